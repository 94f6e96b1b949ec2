package run.capsule.runner.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The warm per-run time of a Python hello in-process, with the compiled interpreter reused, beside the bare
 * interpreter's start ({@code python -S -B -c pass}) on the same machine at the same time: printed, loosely bounded.
 */
class PythonWarmRunTest {
    private static final int RUNS = 20;

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
    void aWarmHelloRunsInWellUnderASecond() throws Exception {
        Path dir = guest.source("hello.py", "from capsule import task\n\n@task(name=\"main\")\ndef main(*args):\n    return {\"hello\": \"world\"}\n");
        PythonGuest.Attempt hello = guest.attempt(dir, "hello.py", Program.RUN);
        RunAttempt bare = new RunAttempt("bare", Interpreter.PYTHON.moduleSha256(), guest.interpreter.toString(), "python",
                List.of("-S", "-B", "-c", "pass"), Map.of("PYTHONHASHSEED", "0"), List.of(), 60_000, 1 << 20, false, 0, 4096);
        for (int i = 0; i < 5; i++) {
            AttemptResult warmup = guest.run(hello);
            assertThat(warmup.succeeded()).as(PythonGuest.why(warmup)).isTrue();
            guest.runRaw(bare);
        }
        long[] micros = new long[RUNS];
        long[] bareMicros = new long[RUNS];
        long fuel = 0;
        long bareFuel = 0;
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            AttemptResult result = guest.run(hello);
            micros[i] = (System.nanoTime() - started) / 1_000;
            assertThat(result.value()).isEqualTo("{\"hello\":\"world\"}");
            fuel = result.fuelConsumed();
            started = System.nanoTime();
            AttemptResult bareResult = guest.runRaw(bare);
            bareMicros[i] = (System.nanoTime() - started) / 1_000;
            bareFuel = bareResult.fuelConsumed();
        }
        Arrays.sort(micros);
        Arrays.sort(bareMicros);
        System.out.printf("python hello, warm, in-process: median %.1f ms, min %.1f ms over %d runs, fuel %d;"
                        + " bare interpreter (-S -B -c pass): median %.1f ms, min %.1f ms, fuel %d%n",
                micros[RUNS / 2] / 1000.0, micros[0] / 1000.0, RUNS, fuel, bareMicros[RUNS / 2] / 1000.0, bareMicros[0] / 1000.0, bareFuel);
        assertThat(micros[RUNS / 2]).isLessThan(1_000_000);
    }
}
