// Node's "os" for JavaScript tasks (docs/languages.md): answers describe the sandbox, never the host machine.

export const EOL = "\n";
export const constants = Object.freeze({ signals: {}, errno: {} });

export function platform() {
  return "linux";
}
export function type() {
  return "Linux";
}
export function arch() {
  return "wasm32";
}
export function release() {
  return "capsule";
}
export function hostname() {
  return "capsule";
}
export function homedir() {
  return "/";
}
export function tmpdir() {
  return "/tmp";
}
export function endianness() {
  return "LE";
}
export function cpus() {
  return [{ model: "wasm32", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }];
}
export function availableParallelism() {
  return 1;
}
export function totalmem() {
  return 0;
}
export function freemem() {
  return 0;
}
export function uptime() {
  return 0;
}
export function loadavg() {
  return [0, 0, 0];
}
export function networkInterfaces() {
  return {};
}
export function userInfo() {
  return { uid: 0, gid: 0, username: "capsule", homedir: "/", shell: null };
}

export default {
  EOL, constants, platform, type, arch, release, hostname, homedir, tmpdir, endianness, cpus, availableParallelism,
  totalmem, freemem, uptime, loadavg, networkInterfaces, userInfo,
};
