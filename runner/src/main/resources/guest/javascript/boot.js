// The runner's boot module for JavaScript tasks (docs/languages.md): loads the task's source, then describes its
// tasks or runs one, and reports the outcome through the "result" op. The runner drains QuickJS's job queue and
// calls globalThis.__capsule_step() whenever nothing is left to run, until it answers 0.
import { _runtime } from "capsule";
import process from "node:process";
import { Buffer } from "node:buffer";

const channel = globalThis.__capsule_host;
const write = globalThis.__capsule_write;
const sleep = globalThis.__capsule_sleep;
process.stdout.write = (text) => write(1, String(text));
process.stderr.write = (text) => write(2, String(text));
globalThis.process = process;
globalThis.Buffer = Buffer;
delete globalThis.__capsule_write;
delete globalThis.__capsule_sleep;

function show(value) {
  if (typeof value === "string") {
    return value;
  }
  if (value instanceof Error) {
    return errorText(value);
  }
  if (typeof value === "function") {
    return `[Function ${value.name || "(anonymous)"}]`;
  }
  if (typeof value === "bigint") {
    return `${value}n`;
  }
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value, (k, v) => (typeof v === "bigint" ? `${v}n` : typeof v === "function" ? `[Function ${v.name || "(anonymous)"}]` : v));
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function errorText(error) {
  const head = `${error.name}: ${error.message}`;
  const stack = String(error.stack ?? "");
  return stack.startsWith(head) ? stack.trimEnd() : `${head}\n${stack}`.trimEnd();
}

function printer(fd) {
  return (...values) => write(fd, values.map(show).join(" ") + "\n");
}

globalThis.console = {
  log: printer(1),
  info: printer(1),
  debug: printer(1),
  error: printer(2),
  warn: printer(2),
  trace: printer(2),
};

function where(stack) {
  const frame = /\(?(\/app\/[^\s():]+):(\d+)(?::(\d+))?/.exec(String(stack ?? ""));
  return frame ? `${frame[1].slice("/app/".length)}:${frame[2]}${frame[3] ? ":" + frame[3] : ""}` : null;
}

function describeError(error, loading) {
  if (error instanceof Error) {
    let message = String(error.message ?? "");
    if (error.name === "SyntaxError") {
      const at = where(error.stack) ?? loading;
      if (at && !message.includes(at)) {
        message = `${message} (${at})`;
      }
    }
    return { type: String(error.name || "Error"), message, traceback: String(error.stack ?? "") };
  }
  // QuickJS throws null when it cannot even allocate the error object.
  const note = error === null ? " (QuickJS throws null when it runs out of memory)" : "";
  return { type: "Error", message: `a non-Error value was thrown: ${show(error)}${note}`, traceback: "" };
}

// Set once the task's outcome is reported: the first report wins, and the runner stops driving the task.
let done = false;

function reportFailure(failure) {
  if (!done) {
    done = true;
    _runtime.hostCall("result", { error: failure });
  }
}

// The host refuses a request over 2 MiB (too_large); a result that big is reported as a failure saying so.
function reportValueJson(json, what) {
  if (!done) {
    done = true;
    const refused = JSON.parse(channel(`{"op":"result","value":${json}}`)).error;
    if (refused) {
      const message = String(refused.message ?? "");
      _runtime.hostCall("result", {
        error: refused.type === "too_large"
          ? { type: "ResultTooLarge", message: `${what} is larger than the 2 MiB limit (${message})`, traceback: "" }
          : { type: "HostError", message: `cannot report ${what}: ${message}`, traceback: "" },
      });
    }
  }
}

function reportError(error, loading) {
  reportFailure(describeError(error, loading));
}

function resultJson(value, taskName) {
  let json;
  try {
    json = JSON.stringify(value, (key, v) => {
      if (typeof v === "function" || typeof v === "symbol") {
        throw new TypeError(`it contains a ${typeof v}${key === "" ? "" : ` at key "${key}"`}`);
      }
      return v;
    });
  } catch (e) {
    throw new TypeError(`the result of task "${taskName}" is not JSON-serialisable: ${e.message}`);
  }
  return json === undefined ? "null" : json;
}

// Timers run in real time: the runner sleeps until the next one is due (at most until the attempt's deadline).
// While child tasks are pending, a timer that is not yet due waits for the next child to finish.
const timers = new Map();
let lastTimer = 0;

function schedule(callback, ms, args, repeat) {
  if (typeof callback !== "function") {
    throw new TypeError("the timer callback must be a function");
  }
  const delay = Math.max(0, Number(ms) || 0);
  lastTimer += 1;
  timers.set(lastTimer, { due: Date.now() + delay, callback, args, every: repeat ? Math.max(1, delay) : 0 });
  return lastTimer;
}

globalThis.setTimeout = (callback, ms, ...args) => schedule(callback, ms, args, false);
globalThis.setInterval = (callback, ms, ...args) => schedule(callback, ms, args, true);
globalThis.clearTimeout = (id) => {
  timers.delete(id);
};
globalThis.clearInterval = globalThis.clearTimeout;

function nextTimer() {
  let next;
  for (const entry of timers) {
    if (next === undefined || entry[1].due < next[1].due) {
      next = entry;
    }
  }
  return next;
}

function fireTimer([id, timer]) {
  const wait = timer.due - Date.now();
  if (wait > 0) {
    sleep(wait);
  }
  if (timer.every > 0) {
    timer.due = Date.now() + timer.every;
  } else {
    timers.delete(id);
  }
  try {
    timer.callback(...timer.args);
  } catch (e) {
    reportError(e);
  }
}

function step() {
  if (done) {
    return 0;
  }
  const timer = nextTimer();
  if (timer !== undefined && (!_runtime.childrenPending() || timer[1].due <= Date.now())) {
    fireTimer(timer);
    return 1;
  }
  if (_runtime.waitForChildren()) {
    return 1;
  }
  reportFailure({
    type: "NeverSettled",
    message: `task "${_runtime.invocation().task}" never finished: it awaits a promise that nothing left to run can settle`,
    traceback: "",
  });
  return 0;
}

// QuickJS seeds Math.random when it starts, before begin. Math.random is replaced before the task's module loads
// (so a reference the module keeps is the replacement too): QuickJS's own until begin; in a durable task, from its
// first call after begin on, xoshiro128** seeded from one journaled 16-byte random step (docs/steps.md), so a
// replay sees the same sequence. A task that never calls it makes no step.
let begun = false;
const quickJsRandom = Math.random;
let seeded;

function seededRandom() {
  const hex = _runtime.hostCall("random", { bytes: 16 }).hex;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    s[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) {
    s[0] = 1;
  }
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

function random() {
  if (!begun) {
    return quickJsRandom();
  }
  seeded ??= seededRandom();
  return seeded();
}

Object.defineProperty(Math, "random", { value: random, writable: true, enumerable: false, configurable: true });

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}

Object.defineProperty(globalThis, "__capsule_step", { value: step, writable: false, enumerable: false, configurable: false });

// A source that declares no task is a snippet: its top-level code is the implicit task "main" (docs/languages.md, A
// source without main). Describing it does not run it. Run, a plain script is evaluated as one and its result is its
// variable `result` if it declares one, else its completion value (the last expression statement); a module's result
// is its export `result`, else its default export, else null.
async function runSnippet(invocation, file, source) {
  if (invocation.mode === "describe") {
    reportValueJson('{"tasks":{"main":{"name":"main"}}}', "the tasks' options");
    return;
  }
  if (String(invocation.task) !== "main") {
    reportFailure({ type: "UnknownTask", message: `${file} declares no tasks; its only task is the implicit "main"`, traceback: "" });
    return;
  }
  try {
    _runtime.hostCall("begin", {});
    begun = invocation.durable === true;
    let value;
    if (source.isScript) {
      // A var statement leaves the completion value as it was, and sees the script's own `let result`.
      const text = (await import("capsule:source-text")).default;
      const completion = (0, eval)(`${text}\n;var __capsule_result__ = typeof result === "undefined" ? undefined : [result];`);
      const declared = globalThis.__capsule_result__;
      delete globalThis.__capsule_result__;
      value = declared !== undefined ? declared[0] : completion;
    } else {
      const namespace = await import("./" + file);
      value = "result" in namespace ? namespace.result : namespace.default;
    }
    value = await value;
    reportValueJson(resultJson(value, "main"), 'the result of task "main"');
  } catch (e) {
    reportError(e, file);
  }
}

async function main() {
  const invocation = _runtime.invocation();
  const file = String(invocation.file);
  const source = await import("capsule:source");
  if (!source.declaresTasks) {
    await runSnippet(invocation, file, source);
    return;
  }
  try {
    await import("./" + file);
  } catch (e) {
    reportError(e, file);
    return;
  }
  const tasks = _runtime.tasks;
  if (!tasks.has("main")) {
    const known = [...tasks.keys()];
    reportFailure({
      type: "NoMainTask",
      message: `${file} defines no task named "main", the entry point; declare one with `
        + `task({ name: "main" }, (...args) => ...)` + (known.length > 0 ? ` (it defines: ${known.join(", ")})` : " (it defines no tasks)"),
      traceback: "",
    });
    return;
  }
  if (invocation.mode === "describe") {
    const described = {};
    for (const [name, entry] of tasks) {
      try {
        described[name] = JSON.parse(resultJson(entry.options, name));
      } catch (e) {
        throw new TypeError(`the options of task "${name}" are not JSON-serialisable: ${e.message.replace(/^.*?: /, "")}`);
      }
    }
    reportValueJson(`{"tasks":${resultJson(described, "describe")}}`, "the tasks' options");
    return;
  }
  const name = String(invocation.task);
  const entry = tasks.get(name);
  if (entry === undefined) {
    reportFailure({
      type: "UnknownTask",
      message: `${file} has no task named "${name}"; its tasks: ${[...tasks.keys()].join(", ")}`,
      traceback: "",
    });
    return;
  }
  try {
    const args = Array.isArray(invocation.args) ? [...invocation.args] : [];
    if (invocation.kwargs !== null && typeof invocation.kwargs === "object" && Object.keys(invocation.kwargs).length > 0) {
      args.push(invocation.kwargs);
    }
    _runtime.hostCall("begin", {});
    begun = invocation.durable === true && invocation.mode !== "describe";
    const value = await entry.fn(...args);
    reportValueJson(resultJson(value, name), `the result of task "${name}"`);
  } catch (e) {
    reportError(e);
  }
}

main().catch(reportError).finally(() => {
  done = true;
});
