// Capsule's host-side API, as the Rust project's JavaScript package offers it (`run({ file, args })`), on top of a
// `capsule serve`: the server is $CAPSULE_URL (default http://127.0.0.1:7070) with the token $CAPSULE_TOKEN, or the
// `url` and `token` options. The task file is sent as its source; its name keeps its language.
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Capsule } from "./index.js";

const JAVASCRIPT = [".js", ".mjs", ".ts", ".mts"];

export async function run({ file, args = [], url, token, timeout = 600, ...options }) {
  const path = resolve(file);
  const source = await readFile(path, "utf8");
  const language = JAVASCRIPT.some((ext) => path.endsWith(ext)) ? "javascript" : "python";
  const client = new Capsule(url ?? process.env.CAPSULE_URL ?? "http://127.0.0.1:7070", token ?? process.env.CAPSULE_TOKEN);
  return client.run(source, { language, file: basename(path), args: args.map(String), timeout, ...options });
}

// As run: the server's workers are the worker.
export async function runWithWorker(options) {
  return run(options);
}
