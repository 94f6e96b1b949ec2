package run.capsule.runner.wasm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.testing.Prerequisites;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18 item 2: Node's fs, path, os, process and Buffer in JavaScript tasks on the real quickjs-wasi reactor, each fs
 * function inside and outside the task's grants, with Node's error codes. On the old code every import here failed
 * with {@code cannot import "fs"}.
 */
class NodeBuiltinsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static WasmSandbox sandbox;
    static ExecutorService wasmThread;
    static Path quickjs;

    @BeforeAll
    static void start() throws Exception {
        try {
            quickjs = Interpreters.ensure(Interpreter.JAVASCRIPT, InProcessWasmtime.CACHE);
        } catch (java.io.IOException e) {
            Prerequisites.missing("quickjs-wasi not available: " + e.getMessage());
        }
        sandbox = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL);
        wasmThread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    }

    @AfterAll
    static void close() {
        if (wasmThread != null) {
            wasmThread.shutdownNow();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    record Grants(Path readOnly, Path readWrite, Path outside) {
        List<Mount> mounts() {
            return List.of(new Mount(readOnly.toString(), "/ro", true), new Mount(readWrite.toString(), "/rw", false));
        }
    }

    static Grants grants() throws Exception {
        Path base = Files.createTempDirectory(work, "grants");
        Grants grants = new Grants(Files.createDirectories(base.resolve("ro")), Files.createDirectories(base.resolve("rw")),
                Files.createDirectories(base.resolve("outside")));
        Files.writeString(grants.readOnly().resolve("in.txt"), "from the host ✓");
        Files.createDirectories(grants.readOnly().resolve("sub"));
        Files.writeString(grants.outside().resolve("secret.txt"), "secret");
        Files.createSymbolicLink(grants.readWrite().resolve("link"), grants.outside());
        return grants;
    }

    static JsonNode runTask(String code, Grants grants, List<String> args, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve("task.js"), code);
        Program program = new Program(Program.JAVASCRIPT, dir.toString(), "task.js", Program.RUN, "main",
                JSON.writeValueAsString(Map.of("args", args)));
        RunAttempt request = new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(), env,
                grants.mounts(), 30_000, 1 << 20, false, 0, 1024, List.of(), program);
        Path attemptDir = Files.createTempDirectory(work, "attempt");
        Callable<AttemptResult> attempt = () -> sandbox.run(request, attemptDir, WasmSandbox.StreamWatcher.NONE);
        AttemptResult result = wasmThread.submit(attempt).get();
        assertThat(result.succeeded()).as(result.errorType() + ": " + result.message() + "\n" + result.stderr()).isTrue();
        return JSON.readTree(result.value());
    }

    /** Each call's outcome: its value, or the error's code (with syscall) when it throws. */
    static final String PRELUDE = """
            import { task } from "capsule";
            import fs from "fs";
            import * as nodeFs from "node:fs";
            import fsp from "node:fs/promises";
            import path from "node:path";
            import os from "os";
            import proc from "node:process";
            const attempt = (f) => { try { const v = f(); return v === undefined ? "ok" : v; } catch (e) { return "!" + (e.code ?? e.name) + " " + e.syscall; } };
            """;

    @Test
    void everyFsFunctionWorksInsideItsGrantsAndFailsWithNodesCodesOutside() throws Exception {
        Grants grants = grants();
        JsonNode value = runTask(PRELUDE + """
                task({ name: "main" }, () => ({
                  readUtf8: attempt(() => fs.readFileSync("/ro/in.txt", "utf8")),
                  readBuffer: attempt(() => { const b = fs.readFileSync("/ro/in.txt"); return [b.length, b.toString(), Buffer.isBuffer(b)]; }),
                  readMissing: attempt(() => fs.readFileSync("/ro/missing.txt", "utf8")),
                  readOutside: attempt(() => fs.readFileSync("/etc/passwd", "utf8")),
                  readDotDot: attempt(() => fs.readFileSync("/ro/../outside/secret.txt", "utf8")),
                  readSymlink: attempt(() => fs.readFileSync("/rw/link/secret.txt", "utf8")),
                  readDirectory: attempt(() => fs.readFileSync("/ro/sub")),
                  write: attempt(() => { fs.writeFileSync("/rw/out.txt", "one"); return fs.readFileSync("/rw/out.txt", "utf8"); }),
                  writeRelative: attempt(() => { fs.writeFileSync("rw/rel.txt", "relative"); return fs.readFileSync("./rw/rel.txt", "utf8"); }),
                  writeReadOnly: attempt(() => fs.writeFileSync("/ro/new.txt", "no")),
                  writeOutside: attempt(() => fs.writeFileSync("/tmp/x.txt", "no")),
                  writeExclusive: attempt(() => fs.writeFileSync("/rw/out.txt", "again", { flag: "wx" })),
                  append: attempt(() => { fs.appendFileSync("/rw/out.txt", " two"); fs.writeFileSync("/rw/out.txt", " three", { flag: "a" }); return fs.readFileSync("/rw/out.txt", "utf8"); }),
                  appendReadOnly: attempt(() => fs.appendFileSync("/ro/in.txt", "no")),
                  binary: attempt(() => { fs.writeFileSync("/rw/bytes.bin", new Uint8Array([0, 255, 128, 10])); return Array.from(fs.readFileSync("/rw/bytes.bin")); }),
                  readdir: attempt(() => fs.readdirSync("/ro")),
                  readdirTypes: attempt(() => fs.readdirSync("/rw", { withFileTypes: true }).map((d) => d.name + ":" + (d.isDirectory() ? "d" : d.isSymbolicLink() ? "l" : d.isFile() ? "f" : "?"))),
                  readdirMissing: attempt(() => fs.readdirSync("/ro/nope")),
                  readdirOutside: attempt(() => fs.readdirSync("/")),
                  readdirFile: attempt(() => fs.readdirSync("/ro/in.txt")),
                  stat: attempt(() => { const s = fs.statSync("/ro/in.txt"); return [s.isFile(), s.isDirectory(), s.size, s.mtime instanceof Date]; }),
                  statDir: attempt(() => fs.statSync("/ro/sub").isDirectory()),
                  statRoot: attempt(() => fs.statSync("/ro").isDirectory()),
                  statMissing: attempt(() => fs.statSync("/ro/missing")),
                  statNoThrow: attempt(() => fs.statSync("/ro/missing", { throwIfNoEntry: false }) ?? "undefined"),
                  statOutside: attempt(() => fs.statSync("/etc")),
                  statSymlink: attempt(() => fs.statSync("/rw/link")),
                  lstatSymlink: attempt(() => fs.lstatSync("/rw/link").isSymbolicLink()),
                  exists: [fs.existsSync("/ro/in.txt"), fs.existsSync("/ro/missing"), fs.existsSync("/etc/passwd"), fs.existsSync("/rw/link/secret.txt")],
                  mkdir: attempt(() => { fs.mkdirSync("/rw/made"); return fs.statSync("/rw/made").isDirectory(); }),
                  mkdirAgain: attempt(() => fs.mkdirSync("/rw/made")),
                  mkdirNoParent: attempt(() => fs.mkdirSync("/rw/a/b")),
                  mkdirRecursive: attempt(() => fs.mkdirSync("/rw/a/b/c", { recursive: true })),
                  mkdirRecursiveExisting: attempt(() => fs.mkdirSync("/rw/a/b/c", { recursive: true })),
                  mkdirReadOnly: attempt(() => fs.mkdirSync("/ro/made")),
                  mkdirOutside: attempt(() => fs.mkdirSync("/made")),
                  mkdirThroughSymlink: attempt(() => fs.mkdirSync("/rw/link/made")),
                  copy: attempt(() => { fs.copyFileSync("/ro/in.txt", "/rw/copy.txt"); return fs.readFileSync("/rw/copy.txt", "utf8"); }),
                  copyExclusive: attempt(() => fs.copyFileSync("/ro/in.txt", "/rw/copy.txt", fs.constants.COPYFILE_EXCL)),
                  copyToReadOnly: attempt(() => fs.copyFileSync("/rw/copy.txt", "/ro/copy.txt")),
                  copyFromOutside: attempt(() => fs.copyFileSync("/etc/passwd", "/rw/passwd")),
                  rename: attempt(() => { fs.renameSync("/rw/copy.txt", "/rw/made/moved.txt"); return [fs.existsSync("/rw/copy.txt"), fs.readFileSync("/rw/made/moved.txt", "utf8")]; }),
                  renameMissing: attempt(() => fs.renameSync("/rw/nope", "/rw/nope2")),
                  renameReadOnly: attempt(() => fs.renameSync("/ro/in.txt", "/ro/moved.txt")),
                  renameAcrossGrants: attempt(() => fs.renameSync("/rw/out.txt", "/ro/out.txt")),
                  renameOutside: attempt(() => fs.renameSync("/rw/out.txt", "/tmp/out.txt")),
                  unlink: attempt(() => { fs.unlinkSync("/rw/made/moved.txt"); return fs.existsSync("/rw/made/moved.txt"); }),
                  unlinkMissing: attempt(() => fs.unlinkSync("/rw/made/moved.txt")),
                  unlinkDirectory: attempt(() => fs.unlinkSync("/rw/made")),
                  unlinkReadOnly: attempt(() => fs.unlinkSync("/ro/in.txt")),
                  unlinkOutside: attempt(() => fs.unlinkSync("/etc/passwd")),
                  unlinkSymlink: attempt(() => { fs.unlinkSync("/rw/link"); return fs.existsSync("/rw/link"); }),
                  rmDirectoryNotRecursive: attempt(() => fs.rmSync("/rw/a")),
                  rmRecursive: attempt(() => { fs.rmSync("/rw/a", { recursive: true }); return fs.existsSync("/rw/a"); }),
                  rmMissing: attempt(() => fs.rmSync("/rw/a")),
                  rmForce: attempt(() => fs.rmSync("/rw/a", { force: true })),
                  rmReadOnly: attempt(() => fs.rmSync("/ro/sub", { recursive: true })),
                  rmOutside: attempt(() => fs.rmSync("/etc", { recursive: true })),
                  rmGrant: attempt(() => fs.rmSync("/rw", { recursive: true })),
                  namedImport: nodeFs.readFileSync === fs.readFileSync && typeof nodeFs.promises.readFile === "function",
                }));
                """, grants, List.of(), Map.of());

        assertThat(value.get("readUtf8").asText()).isEqualTo("from the host ✓");
        assertThat(value.get("readBuffer").toString()).isEqualTo("[17,\"from the host ✓\",true]");
        assertThat(value.get("readMissing").asText()).isEqualTo("!ENOENT open");
        assertThat(value.get("readOutside").asText()).isEqualTo("!EACCES open");
        assertThat(value.get("readDotDot").asText()).isEqualTo("!EACCES open");
        assertThat(value.get("readSymlink").asText()).isEqualTo("!EACCES open");
        assertThat(value.get("readDirectory").asText()).isEqualTo("!EISDIR open");
        assertThat(value.get("write").asText()).isEqualTo("one");
        assertThat(value.get("writeRelative").asText()).isEqualTo("relative");
        assertThat(value.get("writeReadOnly").asText()).isEqualTo("!EROFS open");
        assertThat(value.get("writeOutside").asText()).isEqualTo("!EACCES open");
        assertThat(value.get("writeExclusive").asText()).isEqualTo("!EEXIST open");
        assertThat(value.get("append").asText()).isEqualTo("one two three");
        assertThat(value.get("appendReadOnly").asText()).isEqualTo("!EROFS open");
        assertThat(value.get("binary").toString()).isEqualTo("[0,255,128,10]");
        assertThat(value.get("readdir").toString()).isEqualTo("[\"in.txt\",\"sub\"]");
        assertThat(value.get("readdirTypes").toString()).isEqualTo("[\"bytes.bin:f\",\"link:l\",\"out.txt:f\",\"rel.txt:f\"]");
        assertThat(value.get("readdirMissing").asText()).isEqualTo("!ENOENT scandir");
        assertThat(value.get("readdirOutside").asText()).isEqualTo("!EACCES scandir");
        assertThat(value.get("readdirFile").asText()).isEqualTo("!ENOTDIR scandir");
        assertThat(value.get("stat").toString()).isEqualTo("[true,false,17,true]");
        assertThat(value.get("statDir").asBoolean()).isTrue();
        assertThat(value.get("statRoot").asBoolean()).isTrue();
        assertThat(value.get("statMissing").asText()).isEqualTo("!ENOENT stat");
        assertThat(value.get("statNoThrow").asText()).isEqualTo("undefined");
        assertThat(value.get("statOutside").asText()).isEqualTo("!EACCES stat");
        assertThat(value.get("statSymlink").asText()).isEqualTo("!EACCES stat");
        assertThat(value.get("lstatSymlink").asBoolean()).isTrue();
        assertThat(value.get("exists").toString()).isEqualTo("[true,false,false,false]");
        assertThat(value.get("mkdir").asBoolean()).isTrue();
        assertThat(value.get("mkdirAgain").asText()).isEqualTo("!EEXIST mkdir");
        assertThat(value.get("mkdirNoParent").asText()).isEqualTo("!ENOENT mkdir");
        assertThat(value.get("mkdirRecursive").asText()).isEqualTo("/rw/a");
        assertThat(value.get("mkdirRecursiveExisting").asText()).isEqualTo("ok");
        assertThat(value.get("mkdirReadOnly").asText()).isEqualTo("!EROFS mkdir");
        assertThat(value.get("mkdirOutside").asText()).isEqualTo("!EACCES mkdir");
        assertThat(value.get("mkdirThroughSymlink").asText()).isEqualTo("!EACCES mkdir");
        assertThat(value.get("copy").asText()).isEqualTo("from the host ✓");
        assertThat(value.get("copyExclusive").asText()).isEqualTo("!EEXIST copyfile");
        assertThat(value.get("copyToReadOnly").asText()).isEqualTo("!EROFS copyfile");
        assertThat(value.get("copyFromOutside").asText()).isEqualTo("!EACCES copyfile");
        assertThat(value.get("rename").toString()).isEqualTo("[false,\"from the host ✓\"]");
        assertThat(value.get("renameMissing").asText()).isEqualTo("!ENOENT rename");
        assertThat(value.get("renameReadOnly").asText()).isEqualTo("!EROFS rename");
        assertThat(value.get("renameAcrossGrants").asText()).isEqualTo("!EROFS rename");
        assertThat(value.get("renameOutside").asText()).isEqualTo("!EACCES rename");
        assertThat(value.get("unlink").asBoolean()).isFalse();
        assertThat(value.get("unlinkMissing").asText()).isEqualTo("!ENOENT lstat");
        assertThat(value.get("unlinkDirectory").asText()).isEqualTo("!EISDIR unlink");
        assertThat(value.get("unlinkReadOnly").asText()).isEqualTo("!EROFS unlink");
        assertThat(value.get("unlinkOutside").asText()).isEqualTo("!EACCES lstat");
        assertThat(value.get("unlinkSymlink").asBoolean()).isFalse();
        assertThat(value.get("rmDirectoryNotRecursive").asText()).isEqualTo("!ERR_FS_EISDIR rm");
        assertThat(value.get("rmRecursive").asBoolean()).isFalse();
        assertThat(value.get("rmMissing").asText()).isEqualTo("!ENOENT lstat");
        assertThat(value.get("rmForce").asText()).isEqualTo("ok");
        assertThat(value.get("rmReadOnly").asText()).isEqualTo("!EROFS rm");
        assertThat(value.get("rmOutside").asText()).isEqualTo("!EACCES lstat");
        assertThat(value.get("rmGrant").asText()).isEqualTo("!EACCES rm");
        assertThat(value.get("namedImport").asBoolean()).isTrue();

        assertThat(grants.readOnly().resolve("in.txt")).hasContent("from the host ✓");
        assertThat(grants.readOnly().resolve("new.txt")).doesNotExist();
        assertThat(grants.readOnly().resolve("sub")).isDirectory();
        assertThat(grants.outside().resolve("secret.txt")).hasContent("secret");
        assertThat(grants.outside().resolve("made")).doesNotExist();
        assertThat(grants.readWrite().resolve("out.txt")).hasContent("one two three");
        assertThat(grants.readWrite()).isDirectory();
    }

    @Test
    void callbackAndPromiseFormsReportTheSameOutcomes() throws Exception {
        Grants grants = grants();
        JsonNode value = runTask(PRELUDE + """
                const viaCallback = (fn, ...args) => new Promise((resolve) => fn(...args, (err, v) => resolve(err ? "!" + err.code : v ?? "ok")));
                const viaPromise = (p) => p.then((v) => v ?? "ok", (e) => "!" + e.code);
                task({ name: "main" }, async () => ({
                  cbRead: await viaCallback(fs.readFile, "/ro/in.txt", "utf8"),
                  cbMissing: await viaCallback(fs.readFile, "/ro/missing.txt"),
                  cbWrite: await viaCallback(fs.writeFile, "/rw/cb.txt", "cb"),
                  cbAppend: await viaCallback(fs.appendFile, "/rw/cb.txt", "+"),
                  cbReaddir: await viaCallback(fs.readdir, "/rw"),
                  cbStat: await viaCallback((p, cb) => fs.stat(p, (e, s) => cb(e, s && s.size)), "/rw/cb.txt"),
                  cbMkdir: await viaCallback(fs.mkdir, "/rw/d", {}),
                  cbCopy: await viaCallback(fs.copyFile, "/rw/cb.txt", "/rw/d/c.txt"),
                  cbRename: await viaCallback(fs.rename, "/rw/d/c.txt", "/rw/d/e.txt"),
                  cbUnlink: await viaCallback(fs.unlink, "/rw/d/e.txt"),
                  cbRm: await viaCallback(fs.rm, "/rw/d", { recursive: true }),
                  cbReadOnly: await viaCallback(fs.writeFile, "/ro/x", "no"),
                  cbExists: await new Promise((resolve) => fs.exists("/rw/cb.txt", resolve)),
                  pRead: await viaPromise(fs.promises.readFile("/rw/cb.txt", "utf8")),
                  pWrite: await viaPromise(fsp.writeFile("/rw/p.txt", "p")),
                  pAppend: await viaPromise(fsp.appendFile("/rw/p.txt", "q")),
                  pReaddir: await viaPromise(fsp.readdir("/rw")),
                  pStat: await viaPromise(fsp.stat("/rw/p.txt").then((s) => s.size)),
                  pMkdir: await viaPromise(fsp.mkdir("/rw/pd/x", { recursive: true })),
                  pCopy: await viaPromise(fsp.copyFile("/rw/p.txt", "/rw/pd/x/p.txt")),
                  pRename: await viaPromise(fsp.rename("/rw/pd/x/p.txt", "/rw/pd/p.txt")),
                  pUnlink: await viaPromise(fsp.unlink("/rw/pd/p.txt")),
                  pRm: await viaPromise(fsp.rm("/rw/pd", { recursive: true })),
                  pOutside: await viaPromise(fsp.readFile("/etc/passwd")),
                  pReadOnly: await viaPromise(fsp.mkdir("/ro/x")),
                }));
                """, grants, List.of(), Map.of());

        assertThat(value.toString()).isEqualTo("{\"cbRead\":\"from the host ✓\",\"cbMissing\":\"!ENOENT\",\"cbWrite\":\"ok\","
                + "\"cbAppend\":\"ok\",\"cbReaddir\":[\"cb.txt\",\"link\"],\"cbStat\":3,\"cbMkdir\":\"ok\",\"cbCopy\":\"ok\","
                + "\"cbRename\":\"ok\",\"cbUnlink\":\"ok\",\"cbRm\":\"ok\",\"cbReadOnly\":\"!EROFS\",\"cbExists\":true,"
                + "\"pRead\":\"cb+\",\"pWrite\":\"ok\",\"pAppend\":\"ok\",\"pReaddir\":[\"cb.txt\",\"link\",\"p.txt\"],\"pStat\":2,"
                + "\"pMkdir\":\"/rw/pd\",\"pCopy\":\"ok\",\"pRename\":\"ok\",\"pUnlink\":\"ok\",\"pRm\":\"ok\","
                + "\"pOutside\":\"!EACCES\",\"pReadOnly\":\"!EROFS\"}");
        assertThat(grants.readWrite().resolve("d")).doesNotExist();
        assertThat(grants.readWrite().resolve("p.txt")).hasContent("pq");
    }

    @Test
    void pathOsProcessAndBufferBehaveAsInNode() throws Exception {
        JsonNode value = runTask(PRELUDE + """
                import { join } from "path";
                import { Buffer as B } from "buffer";
                task({ name: "main" }, (...args) => ({
                  path: [path.join("/a", "b", "../c", "d.txt"), join("a", "", "b"), path.resolve("x", "../y"), path.dirname("/a/b/c.txt"),
                         path.basename("/a/b/c.txt", ".txt"), path.extname("f.tar.gz"), path.relative("/a/b", "/a/c/d"), path.normalize("a//b/./c/.."),
                         path.isAbsolute("/x"), path.parse("/home/u/f.txt").name, path.sep, path.posix.join("p", "q")],
                  os: [os.platform(), os.EOL, os.tmpdir(), os.homedir()],
                  argv: process.argv,
                  argvImported: proc.argv.slice(2),
                  args,
                  env: [process.env.API_KEY, process.env.HOME ?? null],
                  cwd: process.cwd(),
                  same: proc === process,
                  buffer: [Buffer.from("héllo").toString("base64"), B.from("aGk=", "base64").toString(), Buffer.from("ff00", "hex").length,
                           Buffer.concat([Buffer.from("a"), Buffer.from("b")]).toString(), Buffer.byteLength("✓")],
                  stdout: process.stdout.write("written\\n"),
                }));
                """, grants(), List.of("one", "two"), Map.of("API_KEY", "k-1"));

        assertThat(value.get("path").toString()).isEqualTo("[\"/a/c/d.txt\",\"a/b\",\"/y\",\"/a/b\",\"c\",\".gz\",\"../c/d\",\"a/b\",true,\"f\",\"/\",\"p/q\"]");
        assertThat(value.get("os").toString()).isEqualTo("[\"linux\",\"\\n\",\"/tmp\",\"/\"]");
        assertThat(value.get("argv").toString()).isEqualTo("[\"capsule\",\"/app/task.js\",\"one\",\"two\"]");
        assertThat(value.get("argvImported").toString()).isEqualTo("[\"one\",\"two\"]");
        assertThat(value.get("env").toString()).isEqualTo("[\"k-1\",null]");
        assertThat(value.get("cwd").asText()).isEqualTo("/");
        assertThat(value.get("same").asBoolean()).isTrue();
        assertThat(value.get("buffer").toString()).isEqualTo("[\"aMOpbGxv\",\"hi\",2,\"ab\",3]");
    }
}
