package run.capsule.runner.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import run.capsule.runner.testing.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs instrumented modules in wabt's reference interpreter (spectest-interp, not wasmtime) and checks that
 * results are unchanged and the counter falls by exactly the cost docs/fuel.md gives.
 */
class FuelExecutionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String FACTORIAL = """
            (module
              (func (export "fac-iter") (param i64) (result i64)
                (local i64 i64)
                (local.set 1 (local.get 0))
                (local.set 2 (i64.const 1))
                (block
                  (loop
                    (if (i64.eq (local.get 1) (i64.const 0))
                      (then (br 2))
                      (else
                        (local.set 2 (i64.mul (local.get 1) (local.get 2)))
                        (local.set 1 (i64.sub (local.get 1) (i64.const 1)))))
                    (br 0)))
                (local.get 2))
              (func $fac-rec (export "fac-rec") (param i64) (result i64)
                (if (result i64) (i64.eq (local.get 0) (i64.const 0))
                  (then (i64.const 1))
                  (else (i64.mul (local.get 0) (call $fac-rec (i64.sub (local.get 0) (i64.const 1)))))))
              (func (export "spin") (loop (br 0)))
              (func (export "crash") (drop (i32.const 1)) (unreachable)))
            """;

    @TempDir
    static Path dir;

    @BeforeEach
    void requireWabt() {
        List<String> missing = ExternalTool.missing("wat2wasm", "spectest-interp");
        Prerequisites.require(missing.isEmpty(), "wabt tools missing from PATH: " + missing
                + " (apt-get install wabt); fuel execution not checked");
    }

    @Test
    void iterativeFactorialCostsWhatTheModelSays() throws Exception {
        // entry 4 (local.get, local.set, i64.const, local.set); each loop turn with n > 0: loop head 4
        // (local.get, i64.const, i64.eq, if) + else arm 8 + br 0 after the if 1 = 13; last turn: 4 + br 2 1;
        // after the block: local.get 1. fac(5) = 4 + 5 * 13 + 5 + 1 = 75.
        Script script = new Script()
                .invoke("capsule_fuel_set", i64(1000)).expect()
                .invoke("fac-iter", i64(5)).expect(i64(120))
                .invoke("capsule_fuel_get").expect(i64(925))
                .invoke("capsule_fuel_set", i64(75)).expect()
                .invoke("fac-iter", i64(5)).expect(i64(120))
                .invoke("capsule_fuel_get").expect(i64(0))
                .invoke("capsule_fuel_set", i64(74)).expect()
                .invoke("fac-iter", i64(5)).expectTrap()
                .invoke("capsule_fuel_get").expect(i64(-1));
        assertAllPass(FACTORIAL, script);
    }

    @Test
    void recursiveFactorialChargesEveryCall() throws Exception {
        // per call: head 4 (local.get, i64.const, i64.eq, if) + else arm 6 (local.get, local.get, i64.const,
        // i64.sub, call, i64.mul) = 10, or + then arm 1 at n = 0. fac(5) = 5 * 10 + 5 = 55.
        Script script = new Script()
                .invoke("capsule_fuel_set", i64(1000)).expect()
                .invoke("fac-rec", i64(5)).expect(i64(120))
                .invoke("capsule_fuel_get").expect(i64(945))
                .invoke("capsule_fuel_set", i64(54)).expect()
                .invoke("fac-rec", i64(5)).expectTrap()
                .invoke("capsule_fuel_get").expect(i64(-1));
        assertAllPass(FACTORIAL, script);
    }

    @Test
    void endlessLoopStopsWithTheCounterBelowZero() throws Exception {
        Script script = new Script()
                .invoke("capsule_fuel_set", i64(1000)).expect()
                .invoke("spin").expectTrap()
                .invoke("capsule_fuel_get").expect(i64(-1));
        assertAllPass(FACTORIAL, script);
    }

    @Test
    void aRealUnreachableLeavesTheCounterAtOrAboveZero() throws Exception {
        Script script = new Script()
                .invoke("capsule_fuel_set", i64(100)).expect()
                .invoke("crash").expectTrap()
                .invoke("capsule_fuel_get").expect(i64(99));
        assertAllPass(FACTORIAL, script);
    }

    private static void assertAllPass(String wat, Script script) throws Exception {
        Path source = dir.resolve("module.wat");
        Files.writeString(source, wat);
        ExternalTool.Result compiled = ExternalTool.run(dir, "wat2wasm", "module.wat", "-o", "module.wasm");
        assertThat(compiled.succeeded()).as(compiled.stderr()).isTrue();
        byte[] original = Files.readAllBytes(dir.resolve("module.wasm"));
        RewrittenModule rewritten = ModuleRewriter.rewrite("module.wasm", original, RewriteOptions.defaults());
        Files.write(dir.resolve("module.wasm"), rewritten.bytes());
        Files.writeString(dir.resolve("script.json"), script.json());

        ExternalTool.Result run = ExternalTool.run(dir, "spectest-interp", "script.json");
        // spectest-interp counts loading the module as a test, then every assertion.
        int commands = script.assertions() + 1;
        assertThat(run.stdout()).as(run.stdout() + run.stderr()).contains(commands + "/" + commands + " tests passed");
        assertThat(run.succeeded()).isTrue();
    }

    private static ObjectNode i64(long value) {
        return JSON.createObjectNode().put("type", "i64").put("value", Long.toUnsignedString(value));
    }

    /** A spectest-interp command script (the JSON that wast2json writes) for the module in module.wasm. */
    private static final class Script {
        private final ArrayNode commands = JSON.createArrayNode();
        private ObjectNode pending;
        private int assertions;

        Script() {
            commands.addObject().put("type", "module").put("line", 1).put("filename", "module.wasm");
        }

        Script invoke(String export, ObjectNode... args) {
            pending = JSON.createObjectNode();
            pending.put("type", "invoke").put("field", export).putArray("args").addAll(List.of(args));
            return this;
        }

        Script expect(ObjectNode... results) {
            ObjectNode command = commands.addObject().put("type", "assert_return").put("line", commands.size());
            command.set("action", pending);
            command.putArray("expected").addAll(List.of(results));
            assertions++;
            return this;
        }

        Script expectTrap() {
            ObjectNode command = commands.addObject().put("type", "assert_trap").put("line", commands.size());
            command.set("action", pending);
            command.put("text", "unreachable");
            command.putArray("expected");
            assertions++;
            return this;
        }

        int assertions() {
            return assertions;
        }

        String json() {
            ObjectNode root = JSON.createObjectNode().put("source_filename", "fuel.wast");
            root.set("commands", commands);
            return root.toPrettyString();
        }
    }
}
