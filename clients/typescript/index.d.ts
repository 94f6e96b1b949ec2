// Types of the Capsule client (index.js).

export type Language = "python" | "javascript";

export interface Envelope {
  success: boolean;
  result: unknown;
  error: { error_type: string; message: string } | null;
  execution: {
    task_id: string | null;
    task_name: string;
    duration_ms: number;
    retries: number;
    fuel_consumed: number | null;
    ram_used: number | null;
    host_requests: unknown[];
  };
}

export interface SubmitOptions {
  language?: Language;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  name?: string;
  task?: string;
  limits?: { compute?: string | number; ram?: string; timeout?: string; write_quota?: string; max_retries?: number; [key: string]: unknown };
  grants?: { hosts?: string[]; env?: string[]; mounts?: string[] };
  idempotency_key?: string;
  labels?: Record<string, string>;
  run_at?: string;
  delay?: string;
}

export interface TaskRow {
  id: string;
  name: string;
  status: string;
  language: string;
  attempts: number;
  labels: Record<string, string>;
  [key: string]: unknown;
}

export interface ListFilters {
  status?: string;
  name?: string;
  language?: string;
  labels?: Record<string, string>;
  parent?: string;
  rootsOnly?: boolean;
  since?: string;
  until?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export interface TransitionEvent {
  id: number | null;
  event: string;
  data: { id: number; task_id: string; name: string; from: string | null; to: string; reason: string | null; [key: string]: unknown };
}

export class CapsuleError extends Error {
  status: number | null;
  errorType: string | null;
}
export class BadRequest extends CapsuleError {}
export class Unauthorized extends CapsuleError {}
export class Forbidden extends CapsuleError {}
export class NotFound extends CapsuleError {}
export class Conflict extends CapsuleError {}
export class TooLarge extends CapsuleError {}
export class Unavailable extends CapsuleError {}
export class WaitTimeout extends CapsuleError {
  taskId: string;
  taskStatus: string;
}

export class Capsule {
  constructor(url?: string, token?: string | null);
  url: string;
  submit(source: string, options?: SubmitOptions): Promise<string>;
  run(source: string, options?: SubmitOptions & { timeout?: number }): Promise<Envelope>;
  get(id: string): Promise<TaskRow & Record<string, unknown>>;
  wait(id: string, options?: { timeout?: number }): Promise<Envelope>;
  cancel(id: string): Promise<{ id: string; outcome: string; children: string[] }>;
  list(filters?: ListFilters): Promise<{ tasks: TaskRow[]; next_cursor: string | null }>;
  output(id: string): Promise<{ id: string; attempts: { attempt_no: number; stdout: string; stderr: string }[] }>;
  events(options?: { after?: number; tree?: string; signal?: AbortSignal }): AsyncGenerator<TransitionEvent>;
}
