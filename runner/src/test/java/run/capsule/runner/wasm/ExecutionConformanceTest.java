package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;
import run.capsule.runner.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.runner.sandbox.ConformanceSession;
import run.capsule.runner.sandbox.WasmSandbox;
import run.capsule.runner.sandbox.Invocation;

/**
 * Runs the spec suite's scripts on wasmtime twice, with the original modules and with the modules as the
 * sandbox rewrites them (fuel metering, caps, growth tracking), and requires every executed assertion
 * (assert_return, assert_trap, assert_exhaustion, and the instantiation assertions) to come out the same both
 * ways. Also counts how many assert_return results match the suite's expectations.
 */
class ExecutionConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RewriteOptions OPTIONS = RewriteOptions.defaults()
            .withMaxMemoryPages(RewriteOptions.WASM32_MAX_PAGES)
            .withMaxTableElements(RewriteOptions.MAX_TABLE_ELEMENTS)
            .withInitialFuel(Long.MAX_VALUE)
            .withTrackGrowth(true);

    /** Per-file tallies. */
    static final class Tally {
        int assertions;
        int returns;
        int sameOutcome;
        final List<String> unexpected = new ArrayList<>();
        int matchedExpectation;
        int skipped;
        int unlinkable;
        final List<String> failures = new ArrayList<>();

        void add(Tally other) {
            assertions += other.assertions;
            returns += other.returns;
            unexpected.addAll(other.unexpected);
            sameOutcome += other.sameOutcome;
            matchedExpectation += other.matchedExpectation;
            skipped += other.skipped;
            unlinkable += other.unlinkable;
            failures.addAll(other.failures);
        }
    }

    @Test
    void plainAndRewrittenModulesBehaveAlikeOnTheSpecSuite(@TempDir Path temp) throws Exception {
        Optional<Path> suite = SpecConformanceTest.specSuite();
        Prerequisites.require(suite.isPresent(),
                "spec test suite not found at ../shared/wasm-spec-tests (put a WebAssembly/testsuite checkout there"
                        + " or set CAPSULE_SPEC_TESTS to its directory)");
        List<String> missing = ExternalTool.missing("wast2json", "wat2wasm");
        Prerequisites.require(missing.isEmpty(), "wabt tools missing from PATH: " + missing + " (apt-get install wabt)");
        byte[] spectest = spectestModule(temp);
        List<Path> wastFiles;
        try (Stream<Path> files = Files.list(suite.get())) {
            wastFiles = files.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
        }

        Tally total = new Tally();
        long started = System.nanoTime();
        ThreadFactory bigStacks = r -> new Thread(null, r, "conformance", 64L * 1024 * 1024);
        ExecutorService pool = Executors.newFixedThreadPool(2, bigStacks);
        try (WasmSandbox sandbox = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL)) {
            List<Future<Tally>> results = new ArrayList<>();
            for (Path wast : wastFiles) {
                results.add(pool.submit(() -> runScript(sandbox, wast, temp, spectest)));
            }
            for (Future<Tally> result : results) {
                total.add(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000;
        String report = String.format("Execution conformance: %d .wast files, %d assertions executed, %d with the same"
                        + " outcome plain and rewritten, %d of %d assert_return results matching the suite's expectation, %d commands"
                        + " skipped (v128/reference values, global reads, modules not instantiated), %d modules not"
                        + " instantiated (they import globals, which wasmtime-java 0.19 cannot pass), %d s%n",
                wastFiles.size(), total.assertions, total.sameOutcome, total.matchedExpectation, total.returns, total.skipped,
                total.unlinkable, seconds);
        System.out.print(report);
        total.failures.stream().limit(50).forEach(f -> System.out.println("  DIFF " + f));
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("execution-conformance.txt"),
                report + String.join("\n", total.failures) + "\nNot as the suite expects (plain and rewritten alike):\n"
                        + String.join("\n", total.unexpected));
        assertThat(total.failures).as(report).isEmpty();
        assertThat(total.assertions).isGreaterThan(10_000);
    }

    private static byte[] spectestModule(Path temp) throws IOException, InterruptedException {
        Path wat = temp.resolve("spectest.wat");
        try (InputStream in = ExecutionConformanceTest.class.getResourceAsStream("/spectest.wat")) {
            Files.write(wat, in.readAllBytes());
        }
        ExternalTool.Result result = ExternalTool.run(temp, "wat2wasm", "spectest.wat", "-o", "spectest.wasm");
        assertThat(result.succeeded()).as(result.stderr()).isTrue();
        return Files.readAllBytes(temp.resolve("spectest.wasm"));
    }

    private static Tally runScript(WasmSandbox sandbox, Path wast, Path temp, byte[] spectest) throws Exception {
        String name = wast.getFileName().toString().replaceFirst("\\.wast$", "");
        Path dir = Files.createDirectories(temp.resolve("exec-" + name));
        Tally tally = new Tally();
        ExternalTool.Result converted = ExternalTool.run(dir, "wast2json", wast.toAbsolutePath().toString(), "-o", name + ".json");
        if (!converted.succeeded()) {
            tally.failures.add(name + ": wast2json failed: " + converted.stderr().strip());
            return tally;
        }
        try (ConformanceSession plain = sandbox.openSession(); ConformanceSession rewritten = sandbox.openSession()) {
            plain.defineModule("spectest", spectest);
            rewritten.defineModule("spectest", spectest);
            new Script(name, dir, plain, rewritten, tally).run(JSON.readTree(dir.resolve(name + ".json").toFile()).get("commands"));
        }
        return tally;
    }

    /** Replays one converted script against both sessions in lockstep. */
    private static final class Script {
        private final String file;
        private final Path dir;
        private final ConformanceSession plain;
        private final ConformanceSession rewritten;
        private final Tally tally;
        private final Map<String, Map<String, String>> exportsByInstance = new HashMap<>();
        private String current;
        private int anonymous;

        Script(String file, Path dir, ConformanceSession plain, ConformanceSession rewritten, Tally tally) {
            this.file = file;
            this.dir = dir;
            this.plain = plain;
            this.rewritten = rewritten;
            this.tally = tally;
        }

        void run(JsonNode commands) throws IOException {
            for (JsonNode command : commands) {
                String where = file + ":" + command.path("line").asInt();
                switch (command.get("type").asText()) {
                    case "module" -> module(command, where);
                    case "register" -> register(command);
                    case "action" -> {
                        if (invocable(command.get("action"))) {
                            invoke(plain, command.get("action"));
                            invoke(rewritten, command.get("action"));
                        }
                    }
                    case "assert_return" -> assertReturn(command, where);
                    case "assert_trap", "assert_exhaustion" -> assertTrap(command, where);
                    case "assert_uninstantiable", "assert_unlinkable" -> assertInstantiation(command, where);
                    default -> { }
                }
            }
        }

        private void module(JsonNode command, String where) throws IOException {
            String key = command.has("name") ? command.get("name").asText() : "#" + anonymous++;
            current = key;
            byte[] original = Files.readAllBytes(dir.resolve(command.get("filename").asText()));
            byte[] instrumented;
            try {
                instrumented = ModuleRewriter.rewrite(key, original, OPTIONS).bytes();
            } catch (InvalidModuleException e) {
                tally.failures.add(where + ": rewriter refused a valid module: " + e.getMessage());
                return;
            }
            Invocation a = plain.instantiate(key, original);
            Invocation b = rewritten.instantiate(key, instrumented);
            if (a.kind().equals("unsupported")) {
                tally.unlinkable++;
            } else if (!a.kind().equals(b.kind())) {
                tally.failures.add(where + ": module instantiates as " + a + " plain but " + b + " rewritten");
            }
            try {
                Map<String, String> exports = new LinkedHashMap<>();
                ModuleInspector.inspect(key, original).exports()
                        .forEach(e -> exports.put(e.name(), e.kind().name().toLowerCase()));
                exportsByInstance.put(key, exports);
            } catch (InvalidModuleException e) {
                tally.failures.add(where + ": " + e.getMessage());
            }
        }

        private void register(JsonNode command) {
            String key = command.has("name") ? command.get("name").asText() : current;
            if (key == null || !plain.has(key) || !rewritten.has(key)) {
                tally.skipped++;
                return;
            }
            Map<String, String> exports = exportsByInstance.getOrDefault(key, Map.of());
            plain.register(command.get("as").asText(), key, exports);
            rewritten.register(command.get("as").asText(), key, exports);
        }

        private boolean invocable(JsonNode action) {
            if (!action.get("type").asText().equals("invoke")) {
                return false;
            }
            String key = action.has("module") ? action.get("module").asText() : current;
            if (key == null || !plain.has(key) || !rewritten.has(key)) {
                return false;
            }
            for (JsonNode arg : action.get("args")) {
                if (typed(arg) == null) {
                    return false;
                }
            }
            return true;
        }

        private Invocation invoke(ConformanceSession session, JsonNode action) {
            String key = action.has("module") ? action.get("module").asText() : current;
            List<String> args = new ArrayList<>();
            action.get("args").forEach(arg -> args.add(typed(arg)));
            return session.invoke(key, action.get("field").asText(), args);
        }

        private void assertReturn(JsonNode command, String where) {
            JsonNode action = command.get("action");
            boolean numeric = true;
            for (JsonNode expected : command.get("expected")) {
                numeric &= isNumeric(expected.get("type").asText());
            }
            if (!invocable(action) || !numeric) {
                tally.skipped++;
                return;
            }
            Invocation a = invoke(plain, action);
            Invocation b = invoke(rewritten, action);
            tally.assertions++;
            if (a.equals(b)) {
                tally.sameOutcome++;
            } else {
                tally.failures.add(where + ": " + action.get("field").asText() + " gave " + a + " plain, " + b + " rewritten");
            }
            tally.returns++;
            if (a.ok() && matches(command.get("expected"), a.values())) {
                tally.matchedExpectation++;
            } else {
                tally.unexpected.add(where + ": " + action.get("field").asText() + " " + action.get("args")
                        + " expected " + command.get("expected") + ", got " + a);
            }
        }

        private void assertTrap(JsonNode command, String where) {
            JsonNode action = command.get("action");
            if (!invocable(action)) {
                tally.skipped++;
                return;
            }
            Invocation a = invoke(plain, action);
            Invocation b = invoke(rewritten, action);
            tally.assertions++;
            boolean exhaustion = command.get("type").asText().equals("assert_exhaustion");
            boolean expectedKind = exhaustion ? a.kind().equals("trap:STACK_OVERFLOW") : a.kind().startsWith("trap:");
            if (a.kind().equals(b.kind()) && expectedKind) {
                tally.sameOutcome++;
            } else {
                tally.failures.add(where + ": " + action.get("field").asText() + " should trap; gave " + a + " plain, " + b + " rewritten");
            }
        }

        private void assertInstantiation(JsonNode command, String where) throws IOException {
            String key = "#" + anonymous++;
            byte[] original = Files.readAllBytes(dir.resolve(command.get("filename").asText()));
            byte[] instrumented;
            try {
                instrumented = ModuleRewriter.rewrite(key, original, OPTIONS).bytes();
            } catch (InvalidModuleException e) {
                tally.failures.add(where + ": rewriter refused a valid module: " + e.getMessage());
                return;
            }
            Invocation a = plain.instantiate(key, original);
            Invocation b = rewritten.instantiate(key, instrumented);
            if (a.kind().equals("unsupported")) {
                tally.unlinkable++;
                return;
            }
            tally.assertions++;
            if (a.kind().equals(b.kind()) && !a.ok()) {
                tally.sameOutcome++;
            } else {
                tally.failures.add(where + ": " + command.get("type").asText() + " gave " + a + " plain, " + b + " rewritten");
            }
        }

        private static boolean isNumeric(String type) {
            return type.equals("i32") || type.equals("i64") || type.equals("f32") || type.equals("f64");
        }

        private static String typed(JsonNode value) {
            String type = value.get("type").asText();
            return isNumeric(type) && value.get("value").isTextual() && !value.get("value").asText().startsWith("nan")
                    ? type + ":" + value.get("value").asText() : null;
        }

        private static boolean matches(JsonNode expected, List<String> actual) {
            if (expected.size() != actual.size()) {
                return false;
            }
            for (int i = 0; i < actual.size(); i++) {
                JsonNode e = expected.get(i);
                String value = e.get("value").asText();
                String got = actual.get(i);
                if (value.startsWith("nan:")) {
                    long bits = Long.parseUnsignedLong(got.substring(4));
                    boolean nan = e.get("type").asText().equals("f32")
                            ? Float.isNaN(Float.intBitsToFloat((int) bits)) : Double.isNaN(Double.longBitsToDouble(bits));
                    if (!nan) {
                        return false;
                    }
                } else if (!got.equals(e.get("type").asText() + ":" + value)) {
                    return false;
                }
            }
            return true;
        }
    }
}
