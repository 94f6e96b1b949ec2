// Node's "path" (POSIX flavour) for JavaScript tasks (docs/languages.md). The sandbox's working directory is "/".

export const sep = "/";
export const delimiter = ":";

function text(value, name = "path") {
  if (typeof value !== "string") {
    throw new TypeError(`The "${name}" argument must be of type string. Received ${value === null ? "null" : typeof value}`);
  }
  return value;
}

function normalizeParts(path, absolute) {
  const out = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") {
      continue;
    }
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") {
        out.pop();
      } else if (!absolute) {
        out.push("..");
      }
    } else {
      out.push(part);
    }
  }
  return out;
}

export function normalize(path) {
  text(path);
  if (path === "") {
    return ".";
  }
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let result = normalizeParts(path, absolute).join("/");
  if (result === "" && !absolute) {
    result = ".";
  }
  if (result !== "" && trailing) {
    result += "/";
  }
  return absolute ? "/" + result : result;
}

export function isAbsolute(path) {
  return text(path).startsWith("/");
}

export function join(...parts) {
  parts.forEach((p) => text(p));
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

export function resolve(...parts) {
  let resolved = "";
  for (let i = parts.length - 1; i >= 0 && !resolved.startsWith("/"); i--) {
    const part = text(parts[i]);
    if (part !== "") {
      resolved = resolved === "" ? part : `${part}/${resolved}`;
    }
  }
  if (!resolved.startsWith("/")) {
    resolved = "/" + resolved;
  }
  return "/" + normalizeParts(resolved, true).join("/");
}

export function relative(from, to) {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) {
    common++;
  }
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}

function trimSlashes(path) {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") {
    end--;
  }
  return path.slice(0, end);
}

export function dirname(path) {
  const trimmed = trimSlashes(text(path));
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) {
    return ".";
  }
  return slash === 0 ? "/" : trimmed.slice(0, slash);
}

export function basename(path, suffix) {
  const trimmed = trimSlashes(text(path));
  let base = trimmed === "/" ? "" : trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (suffix !== undefined && base !== suffix && base.endsWith(text(suffix, "suffix"))) {
    base = base.slice(0, base.length - suffix.length);
  }
  return base;
}

export function extname(path) {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot);
}

export function parse(path) {
  const root = text(path).startsWith("/") ? "/" : "";
  const base = basename(path);
  const ext = extname(path);
  const dir = path.includes("/") ? dirname(path) : "";
  return { root, dir, base, ext, name: ext === "" ? base : base.slice(0, base.length - ext.length) };
}

export function format(parts) {
  const dir = parts.dir ?? parts.root ?? "";
  const base = parts.base ?? `${parts.name ?? ""}${parts.ext ?? ""}`;
  if (dir === "") {
    return base;
  }
  return dir === parts.root ? `${dir}${base}` : `${dir}/${base}`;
}

export function toNamespacedPath(path) {
  return path;
}

const path = { sep, delimiter, normalize, isAbsolute, join, resolve, relative, dirname, basename, extname, parse, format, toNamespacedPath };
path.posix = path;
export const posix = path;
export default path;
