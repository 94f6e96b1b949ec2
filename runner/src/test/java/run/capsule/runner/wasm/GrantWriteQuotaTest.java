package run.capsule.runner.wasm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.sandbox.WasmSandbox;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Red-team finding 7 (issue #11), for a plain WASI command module (no host-call channel): {@code fd_write} to a file
 * in a read-write grant stops at the write quota with ENOSPC (WASI errno 51).
 */
class GrantWriteQuotaTest {
    private static final int CHUNK = 65536;

    @TempDir
    static Path work;
    static WasmSandbox sandbox;

    @BeforeAll
    static void start() throws Exception {
        sandbox = InProcessWasmtime.sandbox(WasmSandbox.Instrumentation.FULL);
    }

    @AfterAll
    static void close() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void aWasiModuleWritingInALoopGetsEnospcAtTheQuotaAndEndsWithLimitExceeded() throws Exception {
        Path grant = Files.createDirectories(work.resolve("grant"));
        Path module = work.resolve("writer.wasm");
        Files.write(module, writer());
        RunAttempt request = new RunAttempt("quota", null, module.toString(), "writer", List.of(), Map.of(),
                List.of(new Mount(grant.toString(), "/out", false)), 30_000, 4096, false).withWriteQuota(16L * CHUNK + 100);

        AttemptResult result = sandbox.run(request, work.resolve("attempt"), WasmSandbox.StreamWatcher.NONE);

        assertThat(result.exitCode()).as(result.message()).isEqualTo(51);
        assertThat(result.errorType()).isEqualTo("limit_exceeded");
        assertThat(result.message()).startsWith("write quota exceeded: the task may write 1048676 bytes in total to its read-write grants"
                + " and had written 1048576 bytes (1 MiB) when a write was refused; the task then failed: exited with code 51");
        assertThat(Files.size(grant.resolve("out.bin"))).isEqualTo(16L * CHUNK);
    }

    /** Opens out.bin in fd 3 for writing, writes 64 KiB chunks until fd_write fails, exits with its errno. */
    private static byte[] writer() {
        TestModule m = new TestModule();
        int i32 = TestModule.I32;
        int i64 = TestModule.I64;
        int open = m.type(new int[] {i32, i32, i32, i32, i32, i64, i64, i32, i32}, new int[] {i32});
        int write = m.type(new int[] {i32, i32, i32, i32}, new int[] {i32});
        int exit = m.type(new int[] {i32}, new int[0]);
        int main = m.type(new int[0], new int[0]);
        m.importFunction("wasi_snapshot_preview1", "path_open", open)
                .importFunction("wasi_snapshot_preview1", "fd_write", write)
                .importFunction("wasi_snapshot_preview1", "proc_exit", exit)
                .memory(2, null)
                .exportMemory("memory", 0);
        int[] code = TestModule.concat(
                i32Const(0), i64Const(0x006e69622e74756fL), new int[] {0x37, 3, 0},
                i32Const(16), i32Const(1024), new int[] {0x36, 2, 0},
                i32Const(20), i32Const(CHUNK), new int[] {0x36, 2, 0},
                i32Const(3), i32Const(0), i32Const(0), i32Const(7), i32Const(1), i64Const(64), i64Const(0), i32Const(0), i32Const(40),
                new int[] {0x10, 0, 0x22, 0, 0x04, 0x40, 0x20, 0}, i32Const(100), new int[] {0x6a, 0x10, 2, 0x0b},
                new int[] {0x03, 0x40}, i32Const(40), new int[] {0x28, 2, 0}, i32Const(16), i32Const(1), i32Const(32),
                new int[] {0x10, 1, 0x22, 0, 0x45, 0x0d, 0, 0x0b},
                new int[] {0x20, 0, 0x10, 2, 0x0b});
        m.functionWithLocals(main, new int[] {1, 1, i32}, code).exportFunction("_start", 3);
        return m.build();
    }

    private static int[] i32Const(long value) {
        return TestModule.concat(new int[] {0x41}, sleb(value));
    }

    private static int[] i64Const(long value) {
        return TestModule.concat(new int[] {0x42}, sleb(value));
    }

    private static int[] sleb(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int b = (int) (value & 0x7f);
            value >>= 7;
            if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0)) {
                out.write(b);
                return IntStream.range(0, out.size()).map(i -> out.toByteArray()[i] & 0xff).toArray();
            }
            out.write(b | 0x80);
        }
    }
}
