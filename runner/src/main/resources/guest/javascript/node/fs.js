// Node's "fs" for JavaScript tasks (docs/languages.md): the synchronous functions, their callback forms and
// fs.promises, on the file.* host calls (docs/host-api.md), so the task's grants, read-only mounts, the symlink rule
// and the write quota apply unchanged. Failures are Node-style errors with code, errno, syscall and path.
import { _runtime, HostError } from "capsule";
import { Buffer } from "node:buffer";
import { resolve } from "node:path";

const ERRORS = {
  not_found: ["ENOENT", -2, "no such file or directory"],
  not_allowed: ["EACCES", -13, "permission denied"],
  read_only: ["EROFS", -30, "read-only file system"],
  is_a_directory: ["EISDIR", -21, "illegal operation on a directory"],
  not_a_directory: ["ENOTDIR", -20, "not a directory"],
  already_exists: ["EEXIST", -17, "file already exists"],
  not_empty: ["ENOTEMPTY", -39, "directory not empty"],
  cross_grant: ["EXDEV", -18, "cross-device link not permitted"],
  too_large: ["EFBIG", -27, "file too large"],
  limit_exceeded: ["EDQUOT", -122, "disk quota exceeded"],
  bad_request: ["EINVAL", -22, "invalid argument"],
  io_error: ["EIO", -5, "i/o error"],
};

function nodeError(code, syscall, path, detail, dest) {
  const [name, errno, text] = Object.values(ERRORS).find((e) => e[0] === code) ?? [code, -1, code.toLowerCase()];
  const where = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
  const error = new Error(`${name}: ${text}, ${syscall} ${where}${detail ? ` (${detail})` : ""}`);
  Object.assign(error, { errno, code: name, syscall, path });
  if (dest !== undefined) {
    error.dest = dest;
  }
  return error;
}

function call(op, fields, syscall, path, dest) {
  try {
    return _runtime.hostCall(op, fields);
  } catch (e) {
    if (e instanceof HostError && ERRORS[e.type] !== undefined) {
      throw nodeError(ERRORS[e.type][0], syscall, path, e.message, dest);
    }
    throw e;
  }
}

function pathOf(path) {
  if (typeof path === "object" && path !== null && typeof path.href === "string") {
    if (!path.href.startsWith("file://")) {
      throw new TypeError(`The URL must be of scheme file: ${path.href}`);
    }
    path = decodeURIComponent(path.href.slice("file://".length).replace(/^[^/]*/, "").replace(/[?#].*$/, ""));
  }
  if (path instanceof Uint8Array) {
    path = Buffer.from(path).toString();
  }
  if (typeof path !== "string") {
    throw new TypeError(`The "path" argument must be of type string, Buffer or URL. Received ${path === null ? "null" : typeof path}`);
  }
  return resolve(path);
}

function encodingOf(options) {
  if (typeof options === "string") {
    return options;
  }
  return options?.encoding ?? null;
}

function flagOf(options, fallback) {
  return typeof options === "object" && options !== null && options.flag !== undefined ? String(options.flag) : fallback;
}

function isUtf8(encoding) {
  return encoding === "utf8" || encoding === "utf-8";
}

export function readFileSync(path, options) {
  const file = pathOf(path);
  const encoding = encodingOf(options);
  if (encoding !== null && isUtf8(String(encoding).toLowerCase())) {
    return call("file.read", { path: file }, "open", file).text;
  }
  const bytes = Buffer.from(call("file.read", { path: file, encoding: "base64" }, "open", file).base64, "base64");
  return encoding === null ? bytes : bytes.toString(encoding);
}

function writeData(path, data, options, append) {
  const file = pathOf(path);
  const flag = flagOf(options, append ? "a" : "w");
  if (flag.includes("x") && existsSync(file)) {
    throw nodeError("EEXIST", "open", file);
  }
  const fields = { path: file, append: flag.startsWith("a") };
  const encoding = encodingOf(options) ?? "utf8";
  if (typeof data === "string" && isUtf8(String(encoding).toLowerCase())) {
    fields.text = data;
  } else if (typeof data === "string") {
    fields.base64 = Buffer.from(data, encoding).toString("base64");
  } else if (ArrayBuffer.isView(data)) {
    fields.base64 = Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).toString("base64");
  } else {
    throw new TypeError(`The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${typeof data}`);
  }
  call("file.write", fields, "open", file);
}

export function writeFileSync(path, data, options) {
  writeData(path, data, options, false);
}

export function appendFileSync(path, data, options) {
  writeData(path, data, options, true);
}

class Dirent {
  constructor(name, parentPath, type) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this._type = type;
  }
  isFile() {
    return this._type === "file";
  }
  isDirectory() {
    return this._type === "directory";
  }
  isSymbolicLink() {
    return this._type === "symlink";
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
}

export function readdirSync(path, options) {
  const dir = pathOf(path);
  const names = call("file.list", { path: dir }, "scandir", dir).entries;
  const encoding = encodingOf(options);
  if (typeof options === "object" && options?.withFileTypes) {
    return names.map((name) => new Dirent(name, dir, call("file.stat", { path: `${dir}/${name}` }, "lstat", `${dir}/${name}`).type));
  }
  return encoding === "buffer" ? names.map((name) => Buffer.from(name)) : names;
}

class Stats {
  constructor(reply) {
    this._type = reply.type;
    this.size = reply.size;
    this.mode = reply.type === "directory" ? 0o40755 : reply.type === "symlink" ? 0o120777 : 0o100644;
    this.mtimeMs = reply.mtimeMs;
    this.ctimeMs = reply.mtimeMs;
    this.atimeMs = reply.mtimeMs;
    this.birthtimeMs = reply.birthtimeMs;
    this.mtime = new Date(reply.mtimeMs);
    this.ctime = new Date(reply.mtimeMs);
    this.atime = new Date(reply.mtimeMs);
    this.birthtime = new Date(reply.birthtimeMs);
    this.nlink = 1;
    this.uid = 0;
    this.gid = 0;
    this.blksize = 4096;
    this.blocks = Math.ceil(reply.size / 512);
  }
  isFile() {
    return this._type === "file";
  }
  isDirectory() {
    return this._type === "directory";
  }
  isSymbolicLink() {
    return this._type === "symlink";
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
}

function statOf(path, options, syscall) {
  const file = pathOf(path);
  try {
    const reply = call("file.stat", { path: file }, syscall, file);
    if (syscall === "stat" && reply.type === "symlink") {
      throw nodeError("EACCES", "stat", file, `${file} is a symlink, which file.* never follows`);
    }
    return new Stats(reply);
  } catch (e) {
    if (e.code === "ENOENT" && typeof options === "object" && options?.throwIfNoEntry === false) {
      return undefined;
    }
    throw e;
  }
}

/** Never follows a symlink (docs/security.md): statSync of one is EACCES, lstatSync describes it. */
export function statSync(path, options) {
  return statOf(path, options, "stat");
}

export function lstatSync(path, options) {
  return statOf(path, options, "lstat");
}

export function existsSync(path) {
  try {
    call("file.stat", { path: pathOf(path) }, "stat", String(path));
    return true;
  } catch {
    return false;
  }
}

export function accessSync(path) {
  const file = pathOf(path);
  call("file.stat", { path: file }, "access", file);
}

export function mkdirSync(path, options) {
  const dir = pathOf(path);
  const recursive = typeof options === "object" && options?.recursive === true;
  const first = recursive ? firstMissing(dir) : undefined;
  call("file.mkdir", { path: dir, recursive }, "mkdir", dir);
  return first;
}

function firstMissing(dir) {
  let missing;
  for (let at = dir; at !== "/" && !existsSync(at); at = at.slice(0, at.lastIndexOf("/")) || "/") {
    missing = at;
  }
  return missing;
}

export function rmSync(path, options) {
  const file = pathOf(path);
  const recursive = options?.recursive === true;
  let stats;
  try {
    stats = lstatSync(file);
  } catch (e) {
    if (e.code === "ENOENT" && options?.force === true) {
      return;
    }
    throw e;
  }
  if (stats.isDirectory() && !recursive) {
    const error = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${file}`);
    Object.assign(error, { code: "ERR_FS_EISDIR", errno: 21, syscall: "rm", path: file });
    throw error;
  }
  call("file.remove", { path: file, recursive }, "rm", file);
}

export function rmdirSync(path, options) {
  const dir = pathOf(path);
  if (!lstatSync(dir).isDirectory()) {
    throw nodeError("ENOTDIR", "rmdir", dir);
  }
  call("file.remove", { path: dir, recursive: options?.recursive === true }, "rmdir", dir);
}

export function unlinkSync(path) {
  const file = pathOf(path);
  if (lstatSync(file).isDirectory()) {
    throw nodeError("EISDIR", "unlink", file);
  }
  call("file.remove", { path: file, recursive: false }, "unlink", file);
}

export function renameSync(from, to) {
  const source = pathOf(from);
  const target = pathOf(to);
  call("file.rename", { from: source, to: target }, "rename", source, target);
}

export const constants = Object.freeze({ F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4 });

export function copyFileSync(src, dest, mode = 0) {
  const source = pathOf(src);
  const target = pathOf(dest);
  if ((mode & constants.COPYFILE_EXCL) !== 0 && existsSync(target)) {
    throw nodeError("EEXIST", "copyfile", source, undefined, target);
  }
  const base64 = call("file.read", { path: source, encoding: "base64" }, "copyfile", source, target).base64;
  call("file.write", { path: target, base64 }, "copyfile", source, target);
}

const SYNC = {
  readFile: readFileSync, writeFile: writeFileSync, appendFile: appendFileSync, readdir: readdirSync, stat: statSync,
  lstat: lstatSync, access: accessSync, mkdir: mkdirSync, rm: rmSync, rmdir: rmdirSync, unlink: unlinkSync,
  rename: renameSync, copyFile: copyFileSync,
};

function callbackForm(fn) {
  return (...args) => {
    const callback = args.pop();
    if (typeof callback !== "function") {
      throw new TypeError(`The "cb" argument must be of type function. Received ${typeof callback}`);
    }
    let value;
    let error = null;
    try {
      value = fn(...args);
    } catch (e) {
      error = e;
    }
    Promise.resolve().then(() => (error === null ? callback(null, value) : callback(error)));
  };
}

function promiseForm(fn) {
  return async (...args) => fn(...args);
}

export const readFile = callbackForm(readFileSync);
export const writeFile = callbackForm(writeFileSync);
export const appendFile = callbackForm(appendFileSync);
export const readdir = callbackForm(readdirSync);
export const stat = callbackForm(statSync);
export const lstat = callbackForm(lstatSync);
export const access = callbackForm(accessSync);
export const mkdir = callbackForm(mkdirSync);
export const rm = callbackForm(rmSync);
export const rmdir = callbackForm(rmdirSync);
export const unlink = callbackForm(unlinkSync);
export const rename = callbackForm(renameSync);
export const copyFile = callbackForm(copyFileSync);

/** Node's exists(path, callback) passes one boolean, not an error. */
export function exists(path, callback) {
  const found = existsSync(path);
  Promise.resolve().then(() => callback(found));
}

export const promises = Object.freeze(Object.fromEntries(Object.entries(SYNC).map(([name, fn]) => [name, promiseForm(fn)])));

export default {
  ...Object.fromEntries(Object.entries(SYNC).map(([name, fn]) => [`${name}Sync`, fn])),
  readFile, writeFile, appendFile, readdir, stat, lstat, access, mkdir, rm, rmdir, unlink, rename, copyFile,
  existsSync, exists, promises, constants, Dirent, Stats,
};
