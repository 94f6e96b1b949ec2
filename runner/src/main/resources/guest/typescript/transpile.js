// Strips the types of a TypeScript source inside the sandbox (docs/languages.md, TypeScript): reads /in/FILE, writes
// the JavaScript to /out/FILE. Sucrase keeps every line where it was, so error positions point at the TypeScript lines.
import { task, readFile, writeFile } from "capsule";
import { transform } from "./sucrase/index.js";

task({ name: "main" }, (file) => {
  const code = readFile(`/in/${file}`);
  let out;
  try {
    out = transform(code, { transforms: ["typescript"], disableESTransforms: true, filePath: file, preserveDynamicImport: true });
  } catch (e) {
    const at = e.loc ? ` (${file}:${e.loc.line}:${e.loc.column + 1})` : "";
    throw new SyntaxError(`${String(e.message).replace(/ \(\d+:\d+\)$/, "")}${at}`);
  }
  writeFile(`/out/${file}`, out.code);
  return { inputBytes: code.length, outputBytes: out.code.length };
});
