package run.capsule.runner.wasm;

import run.capsule.protocol.ErrorType;
import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Durability;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.StepRecord;
import run.capsule.runner.guest.Interpreter;
import run.capsule.runner.guest.Interpreters;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.testing.Prerequisites;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** JavaScript tasks on the real quickjs-wasi reactor, in-process (docs/languages.md). */
class JavaScriptGuestTest {
    static final String HELLO = """
            import { task } from "capsule";

            export const main = task({ name: "main", compute: "LOW", ram: "64MB", maxRetries: 1, allowedHosts: ["api.example.com"] },
                                     (...args) => ({ hello: args[0] ?? "world" }));
            """;

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
            Prerequisites.missing("quickjs-wasi not available: " + e.getMessage() + " (needs npm on the PATH and access to the npm registry)");
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

    static Path source(String name, String code) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve(name), code);
        return dir.resolve(name);
    }

    static RunAttempt attempt(Path file, String mode, String task, String input) {
        return attempt(file, mode, task, input, 30_000, 0, 1024, List.of(), List.of());
    }

    static RunAttempt attempt(Path file, String mode, String task, String input, long timeoutMs, long fuel, long pages,
                              List<Mount> mounts, List<String> hosts) {
        Program program = new Program(Program.JAVASCRIPT, file.getParent().toString(), file.getFileName().toString(), mode, task, input);
        return new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(), Map.of(),
                mounts, timeoutMs, 1 << 20, false, fuel, pages, hosts, program);
    }

    static AttemptResult run(RunAttempt request) throws Exception {
        return run(sandbox, request);
    }

    static AttemptResult run(WasmSandbox on, RunAttempt request) throws Exception {
        Path dir = Files.createTempDirectory(work, "attempt");
        Callable<AttemptResult> attempt = () -> on.run(request, dir, WasmSandbox.StreamWatcher.NONE);
        return wasmThread.submit(attempt).get();
    }

    @Test
    void helloDescribesItsTasks() throws Exception {
        AttemptResult result = run(attempt(source("hello.js", HELLO), Program.DESCRIBE, null, null));

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.value()).isEqualTo("{\"tasks\":{\"main\":{\"name\":\"main\",\"compute\":\"LOW\",\"ram\":\"64MB\","
                + "\"maxRetries\":1,\"allowedHosts\":[\"api.example.com\"]}}}");
    }

    @Test
    void capsulesSdkPackageNameImportsTheSameLibrary() throws Exception {
        Path file = source("sdk.js", """
                import { task } from "@capsule-run/sdk";
                import * as capsule from "capsule";
                export const main = task({ name: "main" }, () => ({ same: capsule.task === task, args: capsule.args() }));
                """);
        AttemptResult described = run(attempt(file, Program.DESCRIBE, null, null));
        AttemptResult result = run(attempt(file, Program.RUN, "main", "{\"args\":[\"x\"]}"));

        assertThat(described.value()).isEqualTo("{\"tasks\":{\"main\":{\"name\":\"main\"}}}");
        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("{\"same\":true,\"args\":[\"x\"]}");
    }

    @Test
    void helloRuns() throws Exception {
        AttemptResult result = run(attempt(source("hello.js", HELLO), Program.RUN, "main", "{\"args\":[\"capsule\"]}"));

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.value()).isEqualTo("{\"hello\":\"capsule\"}");
        assertThat(result.fuelConsumed()).isPositive();
        System.out.println("JavaScript hello: fuel " + result.fuelConsumed() + ", memory " + result.ramUsed() + " bytes");
    }

    static AttemptResult runMain(String code, String input) throws Exception {
        return run(attempt(source("task.js", code), Program.RUN, "main", input));
    }

    @Test
    void jsonRegexClassesAndConsoleWork() throws Exception {
        AttemptResult result = runMain("""
                import { task, args } from "capsule";
                class Counter {
                  #n = 0;
                  add(k) { this.#n += k; return this; }
                  get value() { return this.#n; }
                }
                task({ name: "main" }, async (word) => {
                  const m = /(\\w+)-(\\d+)/.exec("capsule-42");
                  const parsed = JSON.parse('{"a":[1,2,{"b":null}]}');
                  console.log("hello", word, { x: 1 }, [1, 2], 10n);
                  console.error("to stderr");
                  const total = [1, 2, 3].map(n => n * 2).reduce((a, b) => a + b, 0);
                  await null;
                  return { word, args: args(), match: [m[1], Number(m[2])], parsed, count: new Counter().add(2).add(3).value, total,
                           date: new Date(0).toISOString(), sorted: ["b", "a"].sort() };
                });
                """, "{\"args\":[\"hi\"]}");

        assertThat(result.succeeded()).as(result.message() + result.stderr()).isTrue();
        assertThat(result.value()).isEqualTo("{\"word\":\"hi\",\"args\":[\"hi\"],\"match\":[\"capsule\",42],\"parsed\":{\"a\":[1,2,{\"b\":null}]},"
                + "\"count\":5,\"total\":12,\"date\":\"1970-01-01T00:00:00.000Z\",\"sorted\":[\"a\",\"b\"]}");
        assertThat(result.stdout()).isEqualTo("hello hi {\"x\":1} [1,2] 10n\n");
        assertThat(result.stderr()).isEqualTo("to stderr\n");
    }

    @Test
    void aThrownErrorFailsTheTaskWithItsStack() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                function inner() {
                  throw new RangeError("too far");
                }
                task({ name: "main" }, () => inner());
                """, "{}");

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("RangeError: too far");
        assertThat(result.errorDetail()).contains("inner").contains("task.js:3");
        assertThat(result.value()).isNull();
    }

    @Test
    void anAsyncRejectionFailsTheTask() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                task({ name: "main" }, async () => { await Promise.resolve(); throw new Error("later"); });
                """, "{}");

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("Error: later");
    }

    @Test
    void aSyntaxErrorNamesFileAndLine() throws Exception {
        Path file = source("broken.js", """
                import { task } from "capsule";

                task({ name: "main" }, () => {
                  return 1 +;
                });
                """);
        for (String mode : List.of(Program.DESCRIBE, Program.RUN)) {
            AttemptResult result = run(attempt(file, mode, "main", "{}"));

            assertThat(result.errorType()).isEqualTo("task_error");
            assertThat(result.message()).startsWith("SyntaxError: ").contains("broken.js:4");
        }
    }

    @Test
    void aSourceWithoutMainIsRefusedInBothModes() throws Exception {
        Path file = source("nomain.js", """
                import { task } from "capsule";
                export const other = task({ name: "helper" }, () => 1);
                """);
        for (String mode : List.of(Program.DESCRIBE, Program.RUN)) {
            AttemptResult result = run(attempt(file, mode, "main", "{}"));

            assertThat(result.errorType()).isEqualTo("task_error");
            assertThat(result.message()).startsWith("NoMainTask: nomain.js defines no task named \"main\"").contains("helper");
        }
    }

    @Test
    void anUnknownTaskListsTheKnownOnes() throws Exception {
        AttemptResult result = run(attempt(source("two.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => 1);
                task({ name: "other" }, () => 2);
                """), Program.RUN, "missing", "{}"));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("UnknownTask: two.js has no task named \"missing\"; its tasks: main, other");
    }

    @Test
    void aTaskIsCalledByItsNameOptionNotItsExportName() throws Exception {
        AttemptResult result = run(attempt(source("named.js", """
                import { task } from "capsule";
                export const entry = task({ name: "main" }, () => "main ran");
                export const main = task({ name: "second" }, () => "second ran");
                """), Program.RUN, "second", "{}"));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("\"second ran\"");
    }

    @Test
    void aResultThatIsNotJsonIsATypeError() throws Exception {
        for (String value : List.of("10n", "(() => { const a = {}; a.self = a; return a; })()", "({ f: () => 1 })", "[Symbol()]", "() => 1")) {
            AttemptResult result = runMain("import { task } from \"capsule\";\ntask({ name: \"main\" }, () => " + value + ");\n", "{}");

            assertThat(result.errorType()).as(value).isEqualTo("task_error");
            assertThat(result.message()).as(value).startsWith("TypeError: the result of task \"main\" is not JSON-serialisable");
        }
    }

    @Test
    void importsAreLimitedToCapsuleAndTheJavaScriptFilesBesideTheSource() throws Exception {
        Path file = source("imports.js", """
                import { task } from "capsule";
                task({ name: "main" }, async () => {
                  const out = [];
                  for (const name of ["./other.js", "./lib/util.mjs", "/app/other.js", "./missing.js", "./link.js", "./data.txt",
                                      "../etc/passwd", "/etc/passwd", "child_process", "./imports.js"]) {
                    try { const m = await import(name); out.push("loaded " + name + (m.x === undefined ? "" : " x=" + m.x)); }
                    catch (e) { out.push(e.message); }
                  }
                  return out;
                });
                """);
        Files.writeString(file.resolveSibling("other.js"), "export const x = 1;");
        Files.createDirectories(file.resolveSibling("lib"));
        Files.writeString(file.resolveSibling("lib").resolve("util.mjs"), "import { x as y } from \"../other.js\";\nexport const x = y + 1;");
        Files.writeString(file.resolveSibling("data.txt"), "export const x = 3;");
        Path outside = Files.writeString(work.resolve("outside.js"), "export const x = 4;");
        Files.createSymbolicLink(file.resolveSibling("link.js"), outside);
        AttemptResult result = run(attempt(file, Program.RUN, "main", "{}"));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).contains("loaded ./other.js x=1", "loaded ./lib/util.mjs x=2", "loaded /app/other.js x=1", "loaded ./imports.js")
                .contains("cannot import \\\"./missing.js\\\": a JavaScript task can import only \\\"capsule\\\", Node's built-ins (buffer, fs, fs/promises, os, path, process), its own file (imports.js) and the .js or .mjs files beside it")
                .contains("cannot import \\\"./link.js\\\"").contains("cannot import \\\"./data.txt\\\"")
                .contains("cannot import \\\"child_process\\\"").contains("cannot import \\\"/etc/passwd\\\"").contains("cannot import \\\"../etc/passwd\\\"");
    }

    @Test
    void anEndlessLoopRunsOutOfFuel() throws Exception {
        AttemptResult result = run(attempt(source("spin.js", "import { task } from \"capsule\";\ntask({ name: \"main\" }, () => { while (true) {} });\n"),
                Program.RUN, "main", "{}", 60_000, 50_000_000, 1024, List.of(), List.of()));

        assertThat(result.errorType()).isEqualTo("fuel_exhausted");
        assertThat(result.fuelConsumed()).isEqualTo(50_000_000L);
    }

    @Test
    void anEndlessLoopTimesOut() throws Exception {
        long started = System.nanoTime();
        AttemptResult result = run(attempt(source("spin.js", "import { task } from \"capsule\";\ntask({ name: \"main\" }, () => { while (true) {} });\n"),
                Program.RUN, "main", "{}", 500, 0, 1024, List.of(), List.of()));

        assertThat(result.errorType()).isEqualTo("timeout");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void aMemoryBombHitsTheMemoryLimit() throws Exception {
        AttemptResult result = run(attempt(source("bomb.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => {
                  const keep = [];
                  while (true) { keep.push("x".repeat(1 << 20) + keep.length); }
                });
                """), Program.RUN, "main", "{}", 60_000, 0, 512, List.of(), List.of()));

        assertThat(result.errorType()).as(result.message()).isEqualTo("memory_limit");
        assertThat(result.message()).contains("memory.grow was refused at the limit of 512 pages (32 MiB)");
        assertThat(result.ramUsed()).isLessThanOrEqualTo(512L * 64 * 1024);
    }

    @Test
    void aCaughtAllocationFailureLetsTheTaskGoOn() throws Exception {
        AttemptResult result = run(attempt(source("catch.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => {
                  try { new ArrayBuffer(200 * 1024 * 1024); return "allocated"; } catch (e) { return e.name + ": " + e.message; }
                });
                """), Program.RUN, "main", "{}", 60_000, 0, 512, List.of(), List.of()));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("\"InternalError: out of memory\"");
    }

    @Test
    void aPromiseThatNeverSettlesIsReported() throws Exception {
        AttemptResult result = runMain("import { task } from \"capsule\";\ntask({ name: \"main\" }, () => new Promise(() => {}));\n", "{}");

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).startsWith("NeverSettled: task \"main\" never finished");
    }

    @Test
    void filesAreReadAndWrittenOnlyWithinTheirGrants() throws Exception {
        Path readOnly = Files.createDirectories(work.resolve("grants/ro"));
        Path readWrite = Files.createDirectories(work.resolve("grants/rw"));
        Path outside = Files.createDirectories(work.resolve("grants/outside"));
        Files.writeString(readOnly.resolve("in.txt"), "from the host");
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(readOnly.resolve("link"), outside);
        Files.createSymbolicLink(readWrite.resolve("escape.txt"), outside.resolve("secret.txt"));
        Files.writeString(readWrite.resolve("target.txt"), "old");
        Files.createSymbolicLink(readWrite.resolve("inside.txt"), readWrite.resolve("target.txt"));
        Path file = source("files.js", """
                import { task, readFile, writeFile, listDir, HostError } from "capsule";
                const attempt = (f) => { try { return f(); } catch (e) { return (e instanceof HostError ? "HostError " : "") + e.type + ": " + e.message; } };
                task({ name: "main" }, () => ({
                  read: readFile("/ro/in.txt"),
                  list: listDir("/ro"),
                  readOnlyWrite: attempt(() => writeFile("/ro/new.txt", "no")),
                  write: attempt(() => { writeFile("/rw/out.txt", "written"); return readFile("/rw/out.txt"); }),
                  dotDot: attempt(() => readFile("/ro/../outside/secret.txt")),
                  symlink: attempt(() => readFile("/ro/link/secret.txt")),
                  symlinkWrite: attempt(() => writeFile("/rw/escape.txt", "overwritten")),
                  insideLink: attempt(() => { writeFile("/rw/inside.txt", "through a link"); return readFile("/rw/target.txt"); }),
                  missing: attempt(() => readFile("/ro/missing.txt")),
                }));
                """);
        AttemptResult result = run(attempt(file, Program.RUN, "main", "{}", 30_000, 0, 1024,
                List.of(new Mount(readOnly.toString(), "/ro", true), new Mount(readWrite.toString(), "/rw", false)), List.of()));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        JsonNode value = new ObjectMapper().readTree(result.value());
        assertThat(value.get("read").asText()).isEqualTo("from the host");
        assertThat(value.get("list").toString()).isEqualTo("[\"in.txt\",\"link\"]");
        assertThat(value.get("readOnlyWrite").asText()).isEqualTo("HostError read_only: /ro/new.txt is in /ro, which is granted read-only");
        assertThat(value.get("write").asText()).isEqualTo("written");
        assertThat(value.get("dotDot").asText()).startsWith("HostError not_allowed: /ro/../outside/secret.txt is outside the directories granted");
        assertThat(value.get("symlink").asText())
                .isEqualTo("HostError not_allowed: /ro/link/secret.txt goes through a symlink (link is a symlink), which file.* never follows");
        assertThat(value.get("symlinkWrite").asText())
                .isEqualTo("HostError not_allowed: /rw/escape.txt goes through a symlink (escape.txt is a symlink), which file.* never follows");
        assertThat(value.get("insideLink").asText()).startsWith("HostError not_allowed: /rw/inside.txt goes through a symlink");
        assertThat(readWrite.resolve("target.txt")).hasContent("old");
        assertThat(value.get("missing").asText()).isEqualTo("HostError not_found: no such file or directory: /ro/missing.txt");
        assertThat(Files.readString(readWrite.resolve("out.txt"))).isEqualTo("written");
        assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo("secret");
        assertThat(readOnly.resolve("new.txt")).doesNotExist();
    }

    /** Red-team finding 7 (issue #11): file.write past the write quota fails; uncaught, the attempt ends with limit_exceeded. */
    @Test
    void fileWritesPastTheQuotaFailAndUncaughtEndTheAttemptWithLimitExceeded() throws Exception {
        Path data = Files.createDirectories(work.resolve("quota/data"));
        Path file = source("quota.js", """
                import { task, writeFile } from "capsule";
                task({ name: "main" }, () => {
                  const chunk = "x".repeat(1000);
                  let written = 0;
                  try {
                    for (;;) { writeFile("/data/f" + written + ".txt", chunk); written += chunk.length; }
                  } catch (e) {
                    return [written, e.type];
                  }
                });
                task({ name: "uncaught" }, () => { writeFile("/data/big.txt", "y".repeat(5000)); return "wrote"; });
                """);
        List<Mount> mounts = List.of(new Mount(data.toString(), "/data", false));
        AttemptResult caught = run(attempt(file, Program.RUN, "main", "{}", 30_000, 0, 1024, mounts, List.of()).withWriteQuota(4500));
        AttemptResult uncaught = run(attempt(file, Program.RUN, "uncaught", "{}", 30_000, 0, 1024, mounts, List.of()).withWriteQuota(4500));

        assertThat(caught.succeeded()).as(caught.message()).isTrue();
        assertThat(caught.value()).isEqualTo("[4000,\"limit_exceeded\"]");
        assertThat(uncaught.errorType()).as(uncaught.message()).isEqualTo("limit_exceeded");
        assertThat(uncaught.message()).startsWith("write quota exceeded: the task may write 4500 bytes in total");
        assertThat(data.resolve("big.txt")).doesNotExist();
    }

    /** Red-team finding 6 (issue #11), end to end: a directory swapped for a symlink to outside while the guest reads and writes. */
    @Test
    void aDirectorySwappedForASymlinkWhileTheGuestReadsAndWritesNeverLeadsOutside() throws Exception {
        Path data = Files.createDirectories(work.resolve("race/data"));
        Path outside = Files.createDirectories(work.resolve("race/outside"));
        Files.writeString(outside.resolve("secret.txt"), "SECRET");
        Files.createDirectories(data.resolve("d"));
        Files.writeString(data.resolve("d/secret.txt"), "inside");
        Files.createSymbolicLink(data.resolve("link"), outside);
        Path file = source("race.js", """
                import { task, readFile, writeFile } from "capsule";
                task({ name: "main" }, () => {
                  const seen = {};
                  for (let i = 0; i < 1500; i++) {
                    for (const f of [() => readFile("/data/d/secret.txt"), () => { writeFile("/data/d/w.txt", "x"); return "wrote"; }]) {
                      let r;
                      try { r = f(); } catch (e) { r = e.type; }
                      seen[r] = (seen[r] || 0) + 1;
                    }
                  }
                  return seen;
                });
                """);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(data.resolve("d"), data.resolve("parked"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("link"), data.resolve("d"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("d"), data.resolve("link"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("parked"), data.resolve("d"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        swapper.start();
        AttemptResult result;
        try {
            result = run(attempt(file, Program.RUN, "main", "{}", 60_000, 0, 1024, List.of(new Mount(data.toString(), "/data", false)), List.of()));
        } finally {
            stop.set(true);
            swapper.join();
        }

        assertThat(result.succeeded()).as(result.message()).isTrue();
        JsonNode seen = new ObjectMapper().readTree(result.value());
        assertThat(seen.has("SECRET")).as(seen.toString()).isFalse();
        assertThat(seen.path("inside").asInt() + seen.path("wrote").asInt()).as(seen.toString()).isPositive();
        assertThat(outside.resolve("w.txt")).doesNotExist();
        assertThat(outside.resolve("secret.txt")).hasContent("SECRET");
    }

    @Test
    void fetchReachesAGrantedLoopbackServer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/echo", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            byte[] out = ("{\"method\":\"" + exchange.getRequestMethod() + "\",\"body\":" + new String(in, StandardCharsets.UTF_8)
                    + ",\"header\":\"" + exchange.getRequestHeaders().getFirst("X-Test") + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName));
        try {
            Path file = source("fetch.js", """
                    import { task, fetch } from "capsule";
                    task({ name: "main" }, async (base) => {
                      const response = await fetch(base + "/echo", { method: "POST", headers: { "X-Test": "yes" }, body: JSON.stringify({ n: 1 }) });
                      let refused;
                      try { await fetch("http://example.com/"); } catch (e) { refused = e.name + " " + e.type; }
                      return { status: response.status, ok: response.ok, type: response.headers.get("content-type"), json: await response.json(), refused };
                    });
                    """);
            String base = "http://127.0.0.1:" + port;
            AttemptResult result = run(attempt(file, Program.RUN, "main", "{\"args\":[\"" + base + "\"]}", 30_000, 0, 1024,
                    List.of(), List.of("127.0.0.1:" + port)));

            assertThat(result.succeeded()).as(result.message()).isTrue();
            assertThat(result.value()).isEqualTo("{\"status\":201,\"ok\":true,\"type\":\"application/json\","
                    + "\"json\":{\"method\":\"POST\",\"body\":{\"n\":1},\"header\":\"yes\"},\"refused\":\"HostError not_allowed\"}");
            assertThat(result.hostRequests()).hasSize(2);
        } finally {
            sandbox.serveHostCalls(HostCalls.BASIC);
            server.stop(0);
        }
    }

    /** Answers task.start with ids c1, c2... and each task.wait with one finished child, the newest first (or the oldest). */
    static final class RecordingEngine implements EngineLink {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        volatile boolean oldestFirst;
        final Map<String, JsonNode> started = new java.util.concurrent.ConcurrentHashMap<>();
        final ObjectMapper json = new ObjectMapper();

        @Override
        public ObjectNode call(String attemptId, EngineOp engineOp, long deadlineNanos) {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            String op = request.get("op").asText();
            ObjectNode reply = json.createObjectNode();
            if (op.equals("task.start")) {
                String id = "c" + (started.size() + 1);
                started.put(id, request);
                calls.add("task.start " + request.get("task").asText() + " " + request.get("args"));
                reply.put("id", id);
            } else if (op.equals("task.wait")) {
                calls.add("task.wait " + request.get("ids") + " any=" + request.get("any"));
                List<String> ids = new ArrayList<>();
                request.get("ids").forEach(id -> ids.add(id.asText()));
                String id = ids.get(oldestFirst ? 0 : ids.size() - 1);
                ObjectNode envelope = reply.putObject("results").putObject(id);
                envelope.put("success", true);
                envelope.put("result", started.get(id).get("args").get(0).asInt() * 10);
                envelope.putNull("error");
            }
            return reply;
        }
    }

    @Test
    void childTasksRunInParallelAndComeBackInOrder() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, engine));
        try {
            Path file = source("children.js", """
                    import { task, call } from "capsule";
                    const double = task({ name: "double", ram: "32MB" }, (n) => n * 2);
                    task({ name: "main" }, async () => {
                      const envelopes = await Promise.all([1, 2, 3].map((n) => double(n)));
                      const byName = await call("double", 4);
                      return { results: envelopes.map((e) => e.result), success: envelopes.every((e) => e.success), byName: byName.result };
                    });
                    """);
            AttemptResult result = run(attempt(file, Program.RUN, "main", "{}"));

            assertThat(result.succeeded()).as(result.message()).isTrue();
            assertThat(result.value()).isEqualTo("{\"results\":[10,20,30],\"success\":true,\"byName\":40}");
            assertThat(engine.calls).containsExactly(
                    "task.start double [1]", "task.start double [2]", "task.start double [3]",
                    "task.wait [\"c1\",\"c2\",\"c3\"] any=true", "task.wait [\"c1\",\"c2\"] any=true", "task.wait [\"c1\"] any=true",
                    "task.start double [4]", "task.wait [\"c4\"] any=true");
        } finally {
            sandbox.serveHostCalls(HostCalls.BASIC);
        }
    }

    @Test
    void childrenSettleInTheJournaledOrderOnReplay() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, engine));
        try {
            Path file = source("settle.js", """
                    import { task } from "capsule";
                    const double = task({ name: "double" }, (n) => n * 2);
                    task({ name: "main" }, async () => {
                      const order = [];
                      await Promise.all([1, 2, 3].map((n) => double(n).then((e) => { order.push(e.result); })));
                      return order;
                    });
                    """);
            RunAttempt request = attempt(file, Program.RUN, "main", "{}");
            AttemptResult first = run(request.withDurability(new Durability(List.of(), true, 0)));
            assertThat(first.succeeded()).as(first.message()).isTrue();
            assertThat(first.value()).as("the engine answered the newest child first").isEqualTo("[30,20,10]");
            List<StepRecord> journal = new ArrayList<>(first.steps());
            assertThat(journal).extracting(StepRecord::kind).containsSubsequence(StepRecord.WAIT, StepRecord.WAIT, StepRecord.WAIT);

            // The children were journaled by the engine with their child steps; the runner sends only what it buffered.
            for (int i = 1; i <= 3; i++) {
                journal.add(new StepRecord(i, StepRecord.CHILD, "double", "{\"args\":[" + i + "],\"kwargs\":{}}", "{\"id\":\"c" + i + "\"}", "c" + i, 0));
            }
            journal.sort(java.util.Comparator.comparingInt(StepRecord::stepNo));
            engine.oldestFirst = true;
            engine.calls.clear();
            AttemptResult replay = run(request.withDurability(new Durability(journal, true, 0)));

            assertThat(replay.succeeded()).as(replay.errorType() + ": " + replay.message()).isTrue();
            assertThat(replay.value()).as("settled in the journaled order, not the engine's new one").isEqualTo("[30,20,10]");
            assertThat(engine.calls).noneMatch(c -> c.startsWith("task.start")).allMatch(c -> c.endsWith("any=false"));
        } finally {
            sandbox.serveHostCalls(HostCalls.BASIC);
        }
    }

    @Test
    void aChildThatCannotStartRejectsWithAHostError() throws Exception {
        AttemptResult result = runMain("""
                import { task, call } from "capsule";
                task({ name: "main" }, async () => {
                  try { await call("other", 1); return "started"; } catch (e) { return e.name + " " + e.type; }
                });
                """, "{}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("\"HostError unsupported\"");
    }

    @Test
    void eachWarmRunStartsFreshAndCostsTheSameFuel() throws Exception {
        RunAttempt counter = attempt(source("counter.js", """
                import { task } from "capsule";
                const calls = [];
                export const main = task({ name: "main" }, (...args) => { calls.push(args); return { calls: calls.length }; });
                """), Program.RUN, "main", "{\"args\":[\"warm\"]}");
        List<Long> fuel = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            AttemptResult result = run(counter);
            assertThat(result.succeeded()).as(result.message()).isTrue();
            assertThat(result.value()).as("run %d sees no state of the runs before it", i + 1).isEqualTo("{\"calls\":1}");
            fuel.add(result.fuelConsumed());
        }
        assertThat(new java.util.HashSet<>(fuel.subList(1, fuel.size())))
                .as("after the first run (which compiles the guest library; later runs load its bytecode) the same program costs the same fuel each run").hasSize(1);
    }

    @Test
    void deepRecursionIsACatchableRangeError() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                let depth = 0;
                function down() { depth++; return down() + 1; }
                task({ name: "main" }, () => { try { down(); } catch (e) { console.log("depth", depth); return [String(e), depth > 500]; } });
                """, "{}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("[\"RangeError: Maximum call stack size exceeded\",true]");
        System.out.print("JavaScript recursion " + result.stdout());
    }

    @Test
    void aMissingImportNamesTheFile() throws Exception {
        AttemptResult result = runMain("import { nope } from \"capsule\";\n", "{}");

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("SyntaxError: Could not find export 'nope' in module 'capsule' (task.js)");
    }

    @Test
    void timersRunInOrderAndInRealTime() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
                task({ name: "main" }, async () => {
                  const order = [];
                  const started = Date.now();
                  setTimeout(() => order.push("b"), 40);
                  setTimeout((x) => order.push(x), 10, "a");
                  const cancelled = setTimeout(() => order.push("never"), 20);
                  clearTimeout(cancelled);
                  let ticks = 0;
                  const interval = setInterval(() => { if (++ticks === 3) clearInterval(interval); }, 5);
                  queueMicrotask(() => order.push("micro"));
                  await wait(60);
                  return { order, ticks, waited: Date.now() - started >= 60 };
                });
                """, "{}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("{\"order\":[\"micro\",\"a\",\"b\"],\"ticks\":3,\"waited\":true}");
    }

    @Test
    void aLongTimerEndsAtTheDeadline() throws Exception {
        long started = System.nanoTime();
        AttemptResult result = run(attempt(source("sleepy.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => new Promise((resolve) => setTimeout(resolve, 60000)));
                """), Program.RUN, "main", "{}", 500, 0, 1024, List.of(), List.of()));

        assertThat(result.errorType()).isEqualTo("timeout");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void anErrorThrownInATimerFailsTheTask() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                task({ name: "main" }, () => new Promise(() => setTimeout(() => { throw new Error("in a timer"); }, 1)));
                """, "{}");

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("Error: in a timer");
    }

    @Test
    void aFailedWaitRejectsThePendingChildren() throws Exception {
        ObjectMapper json = new ObjectMapper();
        EngineLink engine = (attemptId, engineOp, deadlineNanos) -> {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            if (request.get("op").asText().equals("task.start")) {
                return json.createObjectNode().put("id", 7);
            }
            throw new HostCallException(ErrorType.TIMEOUT, "the engine stopped waiting");
        };
        sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, engine));
        try {
            AttemptResult result = runMain("""
                    import { task } from "capsule";
                    const child = task({ name: "child" }, () => 1);
                    task({ name: "main" }, async () => {
                      try { await child(); return "resolved"; } catch (e) { return `${e.name} ${e.type}: ${e.message}`; }
                    });
                    """, "{}");

            assertThat(result.succeeded()).as(result.message()).isTrue();
            assertThat(result.value()).isEqualTo("\"HostError timeout: the engine stopped waiting\"");
        } finally {
            sandbox.serveHostCalls(HostCalls.BASIC);
        }
    }

    @Test
    void unicodeCrossesTheBoundaryIntact() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                task({ name: "main" }, (word) => { console.log("héllo ✓ 🎉", word); return { word, length: word.length, echo: "naïve ✓ 🎉" }; });
                """, "{\"args\":[\"Grüße 🌍\"]}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("{\"word\":\"Grüße 🌍\",\"length\":8,\"echo\":\"naïve ✓ 🎉\"}");
        assertThat(result.stdout()).isEqualTo("héllo ✓ 🎉 Grüße 🌍\n");
    }

    @Test
    void optionsThatAreNotJsonCannotBeDescribed() throws Exception {
        AttemptResult result = run(attempt(source("opts.js", """
                import { task } from "capsule";
                task({ name: "main", retry: () => 1 }, () => 1);
                """), Program.DESCRIBE, null, null));

        assertThat(result.errorType()).isEqualTo("task_error");
        assertThat(result.message()).isEqualTo("TypeError: the options of task \"main\" are not JSON-serialisable: it contains a function at key \"retry\"");
    }

    @Test
    void theBootCannotBeTamperedWith() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                task({ name: "main" }, () => {
                  const hidden = typeof __capsule_write + " " + typeof __capsule_sleep;
                  try { globalThis.__capsule_step = () => 0; return "replaced"; } catch (e) { return hidden + ", step: " + e.name; }
                });
                """, "{}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("\"undefined undefined, step: TypeError\"");
    }

    @Test
    void outputBeyondTheLimitIsCut() throws Exception {
        Path file = source("loud.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => { for (let i = 0; i < 20000; i++) console.log("line " + i); return "done"; });
                """);
        Program program = new Program(Program.JAVASCRIPT, file.getParent().toString(), "loud.js", Program.RUN, "main", "{}");
        RunAttempt request = new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(), Map.of(),
                List.of(), 30_000, 1000, false, 0, 1024, List.of(), program);
        AttemptResult result = run(request);

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.stdoutTruncated()).isTrue();
        assertThat(result.stdout()).hasSize(1000).startsWith("line 0\nline 1\n");
    }

    @Test
    void theFirstAttemptOfAFreshSandboxCompilesTheBootAndLaterOnesReuseIt() throws Exception {
        Path file = source("fresh.js", """
                import { task, call } from "capsule";
                task({ name: "main" }, async () => { try { await call("nobody"); } catch (e) { return "main: " + e.type; } });
                task({ name: "second" }, () => 2);
                """);
        try (WasmSandbox fresh = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL)) {
            for (int i = 0; i < 2; i++) {
                AttemptResult described = run(fresh, attempt(file, Program.DESCRIBE, null, null));
                AttemptResult ran = run(fresh, attempt(file, Program.RUN, "main", "{}"));

                assertThat(described.value()).isEqualTo("{\"tasks\":{\"main\":{\"name\":\"main\"},\"second\":{\"name\":\"second\"}}}");
                assertThat(ran.value()).isEqualTo("\"main: unsupported\"");
            }
        }
    }

    @Test
    void grantedEnvironmentVariablesAreReadable() throws Exception {
        Path file = source("env.js", """
                import { task, env } from "capsule";
                task({ name: "main" }, () => ({ key: env("API_KEY"), missing: env("HOME") ?? null, all: env() }));
                """);
        Program program = new Program(Program.JAVASCRIPT, file.getParent().toString(), "env.js", Program.RUN, "main", "{}");
        RunAttempt request = new RunAttempt("js", Interpreter.JAVASCRIPT.moduleSha256(), quickjs.toString(), "quickjs", List.of(),
                Map.of("API_KEY", "k-123"), List.of(), 30_000, 1 << 20, false, 0, 1024, List.of(), program);
        AttemptResult result = run(request);

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("{\"key\":\"k-123\",\"missing\":null,\"all\":{\"API_KEY\":\"k-123\"}}");
    }

    @Test
    void durableClockAndMathRandomReplayGiveTheJournaledValues() throws Exception {
        Path file = source("replay.js", """
                import { task } from "capsule";
                const kept = Math.random;
                task({ name: "main" }, () => {
                  const t = [Date.now(), new Date().toISOString()];
                  const r = [Math.random(), kept(), Math.random()];
                  return { t, r, pick: ["a", "b", "c", "d"][Math.floor(Math.random() * 4)] };
                });
                """);
        RunAttempt request = attempt(file, Program.RUN, "main", "{}");

        AttemptResult first = run(request.withDurability(new Durability(List.of(), true, 0)));
        assertThat(first.succeeded()).as(first.message() + first.stderr()).isTrue();
        List<StepRecord> journal = first.steps();
        assertThat(journal).extracting(StepRecord::kind).contains(StepRecord.CLOCK, StepRecord.RANDOM);
        assertThat(journal).filteredOn(s -> s.kind().equals(StepRecord.RANDOM)).extracting(StepRecord::request).contains("{\"len\":16}");
        JsonNode value = JSON.readTree(first.value());
        value.path("r").forEach(r -> assertThat(r.asDouble()).isBetween(0.0, 1.0).isNotEqualTo(1.0));
        assertThat(value.path("r").get(0)).isNotEqualTo(value.path("r").get(1));

        AttemptResult replay = run(request.withDurability(new Durability(journal, true, 0)));
        assertThat(replay.succeeded()).as(replay.message() + replay.stderr()).isTrue();
        assertThat(JSON.readTree(replay.value())).isEqualTo(value);
        assertThat(replay.replayedSteps()).isEqualTo(journal.size());
        assertThat(replay.steps()).isEmpty();

        AttemptResult fresh = run(request.withDurability(new Durability(List.of(), true, 0)));
        assertThat(JSON.readTree(fresh.value()).path("r")).isNotEqualTo(value.path("r"));

        AttemptResult clockOnly = run(attempt(source("clock.js", "import { task } from \"capsule\";\ntask({ name: \"main\" }, () => Date.now());\n"),
                Program.RUN, "main", "{}").withDurability(new Durability(List.of(), true, 0)));
        assertThat(clockOnly.steps()).as("a task that never calls Math.random makes no random step")
                .extracting(StepRecord::kind).containsExactly(StepRecord.CLOCK);
    }

    @Test
    void mathRandomBranchingReplaysInsteadOfDiverging() throws Exception {
        Path file = source("branch.js", """
                import { task } from "capsule";
                task({ name: "main" }, () => (Math.random() < 0.5 ? Date.now() : [Date.now(), Date.now()]));
                """);
        RunAttempt request = attempt(file, Program.RUN, "main", "{}");
        for (int i = 0; i < 8; i++) {
            AttemptResult first = run(request.withDurability(new Durability(List.of(), true, 0)));
            AttemptResult replay = run(request.withDurability(new Durability(first.steps(), true, 0)));

            assertThat(replay.succeeded()).as(replay.errorType() + ": " + replay.message()).isTrue();
            assertThat(replay.value()).isEqualTo(first.value());
        }
    }

    @Test
    void theRandomHostCallChecksItsSize() throws Exception {
        AttemptResult result = runMain("""
                import { task } from "capsule";
                import { _runtime } from "capsule";
                task({ name: "main" }, () => {
                  const ok = _runtime.hostCall("random", { bytes: 8 }).hex;
                  let refused;
                  try { _runtime.hostCall("random", { bytes: 257 }); } catch (e) { refused = e.type; }
                  return { length: ok.length, refused };
                });
                """, "{}");

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.value()).isEqualTo("{\"length\":16,\"refused\":\"bad_request\"}");
    }
}
