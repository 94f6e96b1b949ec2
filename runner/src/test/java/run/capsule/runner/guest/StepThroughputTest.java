package run.capsule.runner.guest;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Durability;
import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.StepRecord;
import run.capsule.runner.sandbox.WasmSandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Measures clock steps: a Python task reading {@code time.time()} 1,000 times, with journaling off (WASI's own
 * clock), on (each reading a buffered step) and replayed from the journal. Prints steps per second as timed inside
 * the guest (perf_counter around the loop: the monotonic clock is not a step) and the attempts' durations.
 */
class StepThroughputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int READINGS = 1000;
    static final int ROUNDS = 5;

    @TempDir
    static Path work;
    static PythonGuest guest;
    static final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "wasm", 64L * 1024 * 1024));
    static int attempts;

    @BeforeAll
    static void start() throws Exception {
        guest = PythonGuest.start(work);
    }

    @AfterAll
    static void stop() {
        thread.shutdownNow();
        if (guest != null) {
            guest.close();
        }
    }

    record Run(AttemptResult result, double loopSeconds) {
        double stepsPerSecond() {
            return READINGS / loopSeconds;
        }
    }

    static Run run(Path dir, Durability durability) throws Exception {
        RunAttempt request = new RunAttempt("tp-" + attempts, Interpreter.PYTHON.moduleSha256(), guest.interpreter.toString(), "python",
                List.of(), Map.of(), List.of(), 60_000, 1 << 20, false, 0, 4096, List.of(),
                new Program(Program.PYTHON, dir.toString(), "task.py", Program.RUN, "main", "{\"args\":[],\"kwargs\":{}}"))
                .withDurability(durability);
        Path attemptDir = work.resolve("tp-" + attempts++);
        Files.createDirectories(attemptDir);
        AttemptResult result = thread.submit(() -> guest.sandbox.run(request, attemptDir, WasmSandbox.StreamWatcher.NONE)).get(5, TimeUnit.MINUTES);
        assertThat(result.succeeded()).as(result.errorType() + ": " + result.message() + " " + result.stderr()).isTrue();
        return new Run(result, JSON.readTree(result.value()).path("seconds").asDouble());
    }

    @Test
    void clockStepsPerSecond() throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve("task.py"), """
                import time
                from capsule import task

                @task(name="main")
                def main():
                    started = time.perf_counter()
                    for _ in range(%d):
                        time.time()
                    return {"seconds": time.perf_counter() - started}
                """.formatted(READINGS));
        Run off = null;
        Run on = null;
        Run replay = null;
        for (int round = 0; round < ROUNDS; round++) {
            off = best(off, run(dir, Durability.NONE));
            Run live = run(dir, new Durability(List.of(), true, 0));
            on = best(on, live);
            List<StepRecord> journal = live.result().steps();
            assertThat(journal).hasSize(READINGS);
            Run replayed = run(dir, new Durability(journal, true, 0));
            assertThat(replayed.result().replayedSteps()).isEqualTo(READINGS);
            replay = best(replay, replayed);
        }
        System.out.printf("clock steps, %d readings, best of %d: off %.0f/s (attempt %d ms), journaling %.0f/s (attempt %d ms), replay %.0f/s (attempt %d ms)%n",
                READINGS, ROUNDS, off.stepsPerSecond(), off.result().durationMs(), on.stepsPerSecond(), on.result().durationMs(),
                replay.stepsPerSecond(), replay.result().durationMs());
    }

    private static Run best(Run a, Run b) {
        return a == null || b.loopSeconds() < a.loopSeconds() ? b : a;
    }
}
