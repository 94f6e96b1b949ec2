// Node's "process" for JavaScript tasks (docs/languages.md), also globalThis.process: env holds the variables granted
// to the task (envVariables), argv is ["capsule", "/app/FILE", ...the entry task's arguments], the working directory is
// "/" (where relative paths of fs resolve). The boot module attaches stdout and stderr.
import { _runtime, env as grantedEnv } from "capsule";

const now = () => (typeof performance === "object" ? performance.now() : Date.now());
let environment;
let argv;

const process = {
  get env() {
    environment ??= grantedEnv();
    return environment;
  },
  set env(value) {
    environment = value;
  },
  get argv() {
    if (argv === undefined) {
      const invocation = _runtime.invocation();
      argv = ["capsule", `/app/${invocation.file}`, ...(invocation.args ?? []).map(String)];
    }
    return argv;
  },
  set argv(value) {
    argv = value;
  },
  execArgv: [],
  argv0: "capsule",
  platform: "linux",
  arch: "wasm32",
  pid: 1,
  ppid: 0,
  version: "",
  versions: {},
  release: { name: "capsule" },
  exitCode: undefined,
  cwd() {
    return "/";
  },
  chdir() {
    throw new Error("process.chdir() is not supported in a Capsule task: the working directory is always /");
  },
  exit(code) {
    throw new Error(`process.exit(${code ?? ""}) is not supported in a Capsule task: return from the task (or throw) instead`);
  },
  nextTick(callback, ...args) {
    Promise.resolve().then(() => callback(...args));
  },
  hrtime: Object.assign((previous) => {
    const total = BigInt(Math.round(now() * 1e6));
    const seconds = Number(total / 1000000000n);
    const nanos = Number(total % 1000000000n);
    return previous ? [seconds - previous[0] - (nanos < previous[1] ? 1 : 0), (nanos - previous[1] + 1e9) % 1e9] : [seconds, nanos];
  }, { bigint: () => BigInt(Math.round(now() * 1e6)) }),
  uptime() {
    return now() / 1000;
  },
  memoryUsage() {
    return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  },
  on() {
    return process;
  },
  once() {
    return process;
  },
  off() {
    return process;
  },
  emitWarning(warning) {
    console.warn(String(warning));
  },
  stdout: { write: (text) => console.log(String(text)), isTTY: false },
  stderr: { write: (text) => console.error(String(text)), isTTY: false },
};

export const { cwd, nextTick, hrtime, exit } = process;
export default process;
