// Capsule's guest library for JavaScript tasks (docs/languages.md). Runs inside QuickJS in the sandbox; the runner
// provides globalThis.__capsule_host(requestJson) -> replyJson, the host-call channel (docs/host-api.md).

const channel = globalThis.__capsule_host;

/** A host call that was answered with an error; `type` is the host's error type (e.g. "not_allowed"). */
export class HostError extends Error {
  constructor(type, message) {
    super(message);
    this.name = "HostError";
    this.type = type;
  }
}

function hostCall(op, fields) {
  const reply = JSON.parse(channel(JSON.stringify({ ...fields, op })));
  if (reply && typeof reply.error === "object" && reply.error !== null) {
    throw new HostError(String(reply.error.type ?? "error"), String(reply.error.message ?? ""));
  }
  return reply;
}

const tasks = new Map();
const waiting = new Map();
let invocationReply;

function invocation() {
  if (invocationReply === undefined) {
    invocationReply = hostCall("invocation", {});
  }
  return invocationReply;
}

/**
 * Declares a task. `options.name` is its identity (the export name does not matter); the other options are those of
 * `capsule run` (compute, ram, timeout, maxRetries, allowedFiles, allowedHosts, envVariables). Returns a function
 * that starts the task as a child task in its own sandbox and returns a Promise of its envelope.
 */
export function task(options, fn) {
  if (typeof options === "function" && fn === undefined) {
    fn = options;
    options = {};
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError("task(options, fn): options must be an object such as { name: \"main\" }");
  }
  if (typeof fn !== "function") {
    throw new TypeError("task(options, fn): fn must be a function");
  }
  const name = options.name ?? fn.name;
  if (typeof name !== "string" || name === "") {
    throw new TypeError("task(options, fn): the task needs a name: task({ name: \"main\" }, fn)");
  }
  if (tasks.has(name)) {
    throw new Error(`task "${name}" is defined twice`);
  }
  const declared = { ...options, name };
  tasks.set(name, { options: declared, fn });
  const start = (...args) => call(name, ...args);
  Object.defineProperty(start, "name", { value: name });
  Object.defineProperty(start, "taskName", { value: name });
  Object.defineProperty(start, "options", { value: declared });
  return start;
}

/**
 * Starts task `name` as a child task with `args` and returns a Promise of its envelope ({success, result, error,
 * execution}); the promise does not reject when the child fails, only when it cannot be started (HostError).
 */
export function call(name, ...args) {
  try {
    const { id } = hostCall("task.start", { task: String(name), args, kwargs: {} });
    return new Promise((resolve, reject) => waiting.set(String(id), { id, resolve, reject }));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The entry task's positional arguments (strings from the command line). */
export function args() {
  return [...(invocation().args ?? [])];
}

let environment;

/** The environment variables granted to the task (envVariables): all of them as an object, or one by name. */
export function env(name) {
  if (environment === undefined) {
    environment = Object.freeze({ ...hostCall("env", {}).variables });
  }
  return name === undefined ? { ...environment } : environment[name];
}

class Headers {
  #values;
  constructor(values) {
    this.#values = {};
    for (const [k, v] of Object.entries(values ?? {})) {
      this.#values[k.toLowerCase()] = String(v);
    }
  }
  get(name) {
    return this.#values[String(name).toLowerCase()] ?? null;
  }
  has(name) {
    return String(name).toLowerCase() in this.#values;
  }
  entries() {
    return Object.entries(this.#values)[Symbol.iterator]();
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  toJSON() {
    return { ...this.#values };
  }
}

class Response {
  #body;
  constructor(reply) {
    this.status = reply.status;
    this.ok = reply.status >= 200 && reply.status < 300;
    this.url = reply.url;
    this.headers = new Headers(reply.headers);
    this.truncated = reply.truncated === true;
    this.#body = reply.body ?? "";
  }
  async text() {
    return this.#body;
  }
  async json() {
    return JSON.parse(this.#body);
  }
}

/**
 * One HTTP request through the runner (docs/host-api.md, op "http"), denied unless the task's allowedHosts grant
 * the host. Returns a Promise of a Response-like object {status, ok, url, headers, text(), json()}; a refused or
 * failed request rejects with a HostError.
 */
export function fetch(url, init = {}) {
  try {
    const request = { url: String(url), method: String(init.method ?? "GET").toUpperCase() };
    if (init.headers !== undefined) {
      const headers = {};
      const entries = typeof init.headers.entries === "function" ? init.headers.entries() : Object.entries(init.headers);
      for (const [k, v] of entries) {
        headers[k] = String(v);
      }
      request.headers = headers;
    }
    if (init.body !== undefined && init.body !== null) {
      request.body = String(init.body);
    }
    return Promise.resolve(new Response(hostCall("http", request)));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** A durable sleep (docs/steps.md): a long one suspends the task, which resumes by replay when the time comes. */
export function sleep(seconds) {
  hostCall("sleep", { seconds });
}

/** The text of a file in a granted directory (allowedFiles), by its path inside the sandbox. */
export function readFile(path) {
  return hostCall("file.read", { path: String(path) }).text;
}

/** Writes text to a file in a directory granted read-write. */
export function writeFile(path, text) {
  hostCall("file.write", { path: String(path), text: String(text) });
}

/** The names in a granted directory. */
export function listDir(path) {
  return hostCall("file.list", { path: String(path) }).entries;
}

/** For the runner's boot module only. */
export const _runtime = Object.freeze({
  hostCall,
  invocation,
  tasks,
  childrenPending() {
    return waiting.size > 0;
  },
  /**
   * Waits until at least one pending child task has finished and resolves its promise with its envelope; false when
   * none is pending. When the wait itself fails (the engine gave up, the deadline came), every pending child's
   * promise rejects with that HostError.
   */
  waitForChildren() {
    if (waiting.size === 0) {
      return false;
    }
    let reply;
    try {
      reply = hostCall("task.wait", { ids: [...waiting.values()].map((child) => child.id), any: true });
    } catch (e) {
      const children = [...waiting.values()];
      waiting.clear();
      children.forEach((child) => child.reject(e));
      return true;
    }
    for (const [id, envelope] of Object.entries(reply.results ?? {})) {
      const child = waiting.get(id);
      if (child !== undefined) {
        waiting.delete(id);
        child.resolve(envelope);
      }
    }
    return true;
  },
});
