package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import run.capsule.runner.testing.Prerequisites;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the rewriter over every valid module of the official spec test suite (../shared/wasm-spec-tests next
 * to the repository): each must be rewritten with and without fuel metering (or refused for an unsupported
 * feature), the metered output must pass wabt's wasm-validate, and wabt's spectest-interp must pass exactly as
 * many of the suite's assertions on the metered modules as on the originals.
 */
class SpecConformanceTest {
    private static final Pattern PASSED = Pattern.compile("(\\d+)/(\\d+) tests passed");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fuel never runs out and caps never bite, so the suite's own expectations still hold. */
    private static final RewriteOptions SPEC_OPTIONS = RewriteOptions.defaults()
            .withMaxMemoryPages(RewriteOptions.WASM32_MAX_PAGES)
            .withMaxTableElements(RewriteOptions.MAX_TABLE_ELEMENTS)
            .withInitialFuel(Long.MAX_VALUE)
            .withTrackGrowth(true);

    record FileOutcome(String wast, int modules, int rewritten, int validated, Map<String, Integer> refusedByFeature,
                       List<String> failures, String assertionsBefore, String assertionsAfter) {
    }

    @Test
    void rewritesAndValidatesEveryValidModuleOfTheSpecSuite(@TempDir Path temp) throws Exception {
        Optional<Path> suite = specSuite();
        Prerequisites.require(suite.isPresent(),
                "spec test suite not found at ../shared/wasm-spec-tests (put a WebAssembly/testsuite checkout there"
                        + " or set CAPSULE_SPEC_TESTS to its directory)");
        List<String> missing = ExternalTool.missing("wast2json", "wasm-validate");
        Prerequisites.require(missing.isEmpty(), "wabt tools missing from PATH: " + missing
                + " (apt-get install wabt); spec conformance not checked");
        boolean interpret = ExternalTool.onPath("spectest-interp");
        if (!interpret && Prerequisites.inCi()) {
            Prerequisites.missing("spectest-interp missing from PATH (apt-get install wabt): the assertion re-run would be left out");
        }

        List<Path> wastFiles;
        try (Stream<Path> files = Files.list(suite.get())) {
            wastFiles = files.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
        }
        assertThat(wastFiles).isNotEmpty();

        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<FileOutcome> outcomes = new ArrayList<>();
        try {
            List<Future<FileOutcome>> futures = new ArrayList<>();
            for (Path wast : wastFiles) {
                futures.add(pool.submit(() -> check(wast, temp, interpret)));
            }
            for (Future<FileOutcome> future : futures) {
                outcomes.add(future.get());
            }
        } finally {
            pool.shutdownNow();
        }

        String report = report(outcomes, interpret);
        System.out.println(report);
        Files.writeString(Files.createDirectories(Path.of("target")).resolve("spec-conformance.txt"), report);

        List<String> failures = outcomes.stream().flatMap(o -> o.failures().stream()).toList();
        assertThat(failures).as(report).isEmpty();
        assertThat(outcomes.stream().mapToInt(FileOutcome::rewritten).sum()).isGreaterThan(1000);
    }

    private static FileOutcome check(Path wast, Path temp, boolean interpret) throws IOException, InterruptedException {
        String name = wast.getFileName().toString().replaceFirst("\\.wast$", "");
        Path dir = Files.createDirectories(temp.resolve(name));
        List<String> failures = new ArrayList<>();
        ExternalTool.Result converted = ExternalTool.run(dir, "wast2json", wast.toAbsolutePath().toString(),
                "-o", name + ".json");
        if (!converted.succeeded()) {
            failures.add(name + ": wast2json failed: " + converted.stderr().strip());
            return new FileOutcome(name, 0, 0, 0, Map.of(), failures, "", "");
        }
        String before = interpret ? assertions(dir, name) : "";

        int modules = 0;
        int rewritten = 0;
        int validated = 0;
        Map<String, Integer> refused = new TreeMap<>();
        for (String module : validModules(dir.resolve(name + ".json"))) {
            modules++;
            Path file = dir.resolve(module);
            byte[] original = Files.readAllBytes(file);
            byte[] output;
            try {
                ModuleRewriter.rewrite(module, original, SPEC_OPTIONS.withMeterFuel(false));
                output = ModuleRewriter.rewrite(module, original, SPEC_OPTIONS).bytes();
                rewritten++;
            } catch (UnsupportedFeatureException e) {
                refused.merge(e.feature(), 1, Integer::sum);
                continue;
            } catch (InvalidModuleException | RuntimeException e) {
                failures.add(name + "/" + module + ": rewrite failed: " + e);
                continue;
            }
            Files.write(file, output);
            ExternalTool.Result validation = ExternalTool.run(dir, "wasm-validate", module);
            if (validation.succeeded()) {
                validated++;
            } else {
                Path kept = dir.resolve(module + ".original");
                Files.write(kept, original);
                failures.add(name + "/" + module + ": rewritten module does not validate: "
                        + validation.stderr().strip());
            }
        }
        String after = "";
        if (interpret) {
            after = assertions(dir, name);
            if (!after.equals(before)) {
                failures.add(name + ": spectest-interp passed " + before + " assertions before rewriting, " + after
                        + " after");
            }
        }
        if (failures.isEmpty()) {
            deleteRecursively(dir);
        }
        return new FileOutcome(name, modules, rewritten, validated, refused, failures, before, after);
    }

    /** Modules the suite expects to decode and validate: plain modules and those of link/instantiation tests. */
    private static List<String> validModules(Path json) throws IOException {
        List<String> modules = new ArrayList<>();
        for (JsonNode command : JSON.readTree(json.toFile()).get("commands")) {
            String type = command.get("type").asText();
            boolean valid = type.equals("module") || type.equals("assert_unlinkable")
                    || type.equals("assert_uninstantiable");
            if (valid && command.has("filename") && command.get("filename").asText().endsWith(".wasm")) {
                modules.add(command.get("filename").asText());
            }
        }
        return modules;
    }

    private static String assertions(Path dir, String name) throws IOException, InterruptedException {
        ExternalTool.Result run = ExternalTool.run(dir, "spectest-interp", name + ".json");
        Matcher matcher = PASSED.matcher(run.stdout());
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1) + "/" + matcher.group(2);
        }
        return last == null ? "none (exit " + run.exitCode() + ")" : last;
    }

    private static String report(List<FileOutcome> outcomes, boolean interpreted) {
        int modules = outcomes.stream().mapToInt(FileOutcome::modules).sum();
        int rewritten = outcomes.stream().mapToInt(FileOutcome::rewritten).sum();
        int validated = outcomes.stream().mapToInt(FileOutcome::validated).sum();
        Map<String, Integer> refused = new TreeMap<>();
        outcomes.forEach(o -> o.refusedByFeature().forEach((k, v) -> refused.merge(k, v, Integer::sum)));
        long passed = 0;
        long total = 0;
        for (FileOutcome outcome : outcomes) {
            Matcher m = Pattern.compile("(\\d+)/(\\d+)").matcher(outcome.assertionsAfter());
            if (m.matches()) {
                passed += Long.parseLong(m.group(1));
                total += Long.parseLong(m.group(2));
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("Spec suite conformance: ").append(outcomes.size()).append(" .wast files, ")
                .append(modules).append(" valid modules, ").append(rewritten).append(" rewritten with fuel, ")
                .append(validated).append(" validated by wasm-validate, ")
                .append(refused.values().stream().mapToInt(Integer::intValue).sum()).append(" refused")
                .append(refused.isEmpty() ? "" : " " + refused).append('\n');
        out.append(interpreted
                ? "spectest-interp on rewritten modules: " + passed + "/" + total + " assertions passed\n"
                : "spectest-interp not on PATH: assertions not run\n");
        outcomes.stream().filter(o -> !o.failures().isEmpty()).sorted(Comparator.comparing(FileOutcome::wast))
                .forEach(o -> o.failures().forEach(f -> out.append("  FAIL ").append(f).append('\n')));
        return out.toString();
    }

    static Optional<Path> specSuite() {
        String configured = System.getenv("CAPSULE_SPEC_TESTS");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isDirectory);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir.getParent() != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("wasm-spec-tests");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
