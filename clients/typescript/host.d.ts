import type { Envelope, SubmitOptions } from "./index.js";

export interface RunFileOptions extends Omit<SubmitOptions, "language" | "file" | "args"> {
  /** The task file: .py, .js, .mjs, .ts or .mts. */
  file: string;
  /** As on a command line. */
  args?: unknown[];
  /** Default $CAPSULE_URL, else http://127.0.0.1:7070. */
  url?: string;
  /** Default $CAPSULE_TOKEN. */
  token?: string;
  /** Seconds to wait for the envelope (default 600). */
  timeout?: number;
}

/** Capsule's host-side run: sends the file to `capsule serve` and returns its envelope. */
export function run(options: RunFileOptions): Promise<Envelope>;
export function runWithWorker(options: RunFileOptions): Promise<Envelope>;
