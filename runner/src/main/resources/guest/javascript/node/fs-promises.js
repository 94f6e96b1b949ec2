// Node's "fs/promises" for JavaScript tasks: the promise forms of "fs" (docs/languages.md).
import { promises } from "node:fs";

export const { readFile, writeFile, appendFile, readdir, stat, lstat, access, mkdir, rm, rmdir, unlink, rename, copyFile } = promises;
export default promises;
