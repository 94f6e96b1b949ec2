package run.capsule.runner.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Mount;
import run.capsule.protocol.Program;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A Python task's sandbox limits: fuel, time, memory and file grants. */
class PythonLimitsTest {
    private static final String LOOP = "from capsule import task\n\n@task(name=\"main\")\ndef main():\n    print(\"looping\")\n    while True:\n        pass\n";

    @TempDir
    static Path work;
    static PythonGuest guest;

    @BeforeAll
    static void start() throws Exception {
        guest = PythonGuest.start(work);
    }

    @AfterAll
    static void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void anEndlessLoopRunsOutOfFuel() throws Exception {
        Path dir = guest.source("loop.py", LOOP);
        AttemptResult result = guest.run(guest.attempt(dir, "loop.py", Program.RUN).limits(60_000, 2_000_000_000L, 4096));

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("fuel_exhausted");
        assertThat(result.fuelConsumed()).isEqualTo(2_000_000_000L);
        assertThat(result.stdout()).as("what was printed before the stop").isEqualTo("looping\n");
    }

    @Test
    void anEndlessLoopTimesOut() throws Exception {
        Path dir = guest.source("loop.py", LOOP);
        long started = System.nanoTime();
        AttemptResult result = guest.run(guest.attempt(dir, "loop.py", Program.RUN).limits(1_000, 0, 4096));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("timeout");
        assertThat(elapsedMs).isLessThan(5_000);
        assertThat(result.stdout()).as("what was printed before the stop").isEqualTo("looping\n");
    }

    @Test
    void aMemoryBombHitsTheCapAndReportsMemoryError() throws Exception {
        String code = "from capsule import task\n\n@task(name=\"main\")\ndef main():\n    data = bytearray(1500 * 2**20)\n    return len(data)\n";
        Path dir = guest.source("bomb.py", code);
        AttemptResult result = guest.run(guest.attempt(dir, "bomb.py", Program.RUN).limits(60_000, 0, 128 * 16));

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("memory_limit");
        assertThat(result.message()).startsWith("MemoryError").contains("128 MiB");
        assertThat(result.errorDetail()).contains("File \"/app/bomb.py\", line 5, in main");
        assertThat(result.ramUsed()).isLessThanOrEqualTo(128L << 20);
    }

    @Test
    void aTaskReadsAGrantedDirectoryButCannotWriteIt() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        Files.writeString(data.resolve("input.txt"), "granted\n");
        String code = """
                from capsule import task

                @task(name="main")
                def main():
                    with open("/data/input.txt") as f:
                        text = f.read().strip()
                    try:
                        open("/data/out.txt", "w").write("x")
                        wrote = True
                    except OSError as e:
                        wrote = type(e).__name__
                    return [text, wrote]
                """;
        Path dir = guest.source("files.py", code);
        AttemptResult result = guest.run(guest.attempt(dir, "files.py", Program.RUN)
                .grants(List.of(), List.of(new Mount(data.toString(), "/data", true))));

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(result.value()).startsWith("[\"granted\",\"").doesNotContain("true");
        assertThat(data.resolve("out.txt")).doesNotExist();
    }

    /** Red-team finding 7 (issue #11): a task wrote 2 GiB into a read-write grant; now its writes stop at the quota. */
    @Test
    void writesPastTheQuotaAcrossGrantsFailWithEnospcThatTheTaskCanHandle() throws Exception {
        Path first = Files.createDirectories(work.resolve("quota/a"));
        Path second = Files.createDirectories(work.resolve("quota/b"));
        String code = """
                import errno, os
                from capsule import task

                @task(name="main")
                def main():
                    chunk = b"x" * 65536
                    written = 0
                    fd = os.open("/a/big.bin", os.O_WRONLY | os.O_CREAT)
                    for _ in range(10):
                        written += os.write(fd, chunk)
                    os.close(fd)
                    refused = []
                    with open("/b/more.bin", "wb", buffering=0) as f:
                        try:
                            while True:
                                written += f.write(chunk)
                        except OSError as e:
                            refused.append(errno.errorcode.get(e.errno))
                        try:
                            os.pwrite(f.fileno(), chunk, 0)
                        except OSError as e:
                            refused.append(errno.errorcode.get(e.errno))
                    print("stdout still works")
                    return [written, refused]
                """;
        Path dir = guest.source("quota.py", code);
        AttemptResult result = guest.run(guest.attempt(dir, "quota.py", Program.RUN)
                .grants(List.of(), List.of(new Mount(first.toString(), "/a", false), new Mount(second.toString(), "/b", false))), 1 << 20);

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(result.value()).isEqualTo("[1048576,[\"ENOSPC\",\"ENOSPC\"]]");
        assertThat(Files.size(first.resolve("big.bin")) + Files.size(second.resolve("more.bin"))).isEqualTo(1 << 20);
        assertThat(result.stdout()).contains("stdout still works");
    }

    /** Red-team finding 7 (issue #11): a task that does not handle ENOSPC ends with limit_exceeded. */
    @Test
    void aTaskThatDoesNotHandleTheFullQuotaEndsWithLimitExceeded() throws Exception {
        Path data = Files.createDirectories(work.resolve("quota/unhandled"));
        String code = """
                from capsule import task

                @task(name="main")
                def main():
                    with open("/data/big.bin", "wb") as f:
                        for _ in range(64):
                            f.write(b"x" * 65536)
                    return "wrote 4 MiB"
                """;
        Path dir = guest.source("unhandled.py", code);
        AttemptResult result = guest.run(guest.attempt(dir, "unhandled.py", Program.RUN)
                .grants(List.of(), List.of(new Mount(data.toString(), "/data", false))), 1 << 20);

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("limit_exceeded");
        assertThat(result.message()).startsWith("write quota exceeded: the task may write 1048576 bytes (1 MiB) in total to its read-write grants")
                .contains("OSError");
        assertThat(Files.size(data.resolve("big.bin"))).isLessThanOrEqualTo(1 << 20);
    }
}
