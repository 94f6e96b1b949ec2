package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.RetryPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.AttemptRow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What journaling steps costs (docs/steps.md): a Python task reads the realtime clock N times (N clock steps), fails
 * once on purpose and is retried, so its second attempt replays the N steps. Run with journaling on and off; the loop
 * is timed inside the guest with the monotonic clock, which is not journaled. Usage: StepJournaling [steps] [rounds]
 */
public final class StepJournaling {
    private static final String SOURCE = """
            import os, time
            from capsule import task

            @task(name="main", max_retries=1, timeout="300s", allowed_files=["./state::/state:rw"])
            def main(n):
                n = int(n)
                start = time.perf_counter()
                for _ in range(n):
                    time.time()
                seconds = time.perf_counter() - start
                if not os.path.exists("/state/first"):
                    with open("/state/first", "w") as f:
                        f.write(repr(seconds))
                    raise RuntimeError("fail once so that the retry replays")
                with open("/state/first") as f:
                    first = float(f.read())
                os.remove("/state/first")
                return {"first_s": first, "second_s": seconds}
            """;

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("capsule-steps-bench");
        Files.createDirectories(dir.resolve("state"));
        Path source = dir.resolve("clock_steps.py");
        Files.writeString(source, SOURCE);
        for (boolean journaling : new boolean[] {false, true}) {
            try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve(journaling ? "on" : "off"))
                    .runners(1).journalSteps(journaling).build())) {
                capsule.warmUp(1);
                run(capsule, source, steps);
                double first = 0;
                double second = 0;
                long finishMs = 0;
                for (int i = 0; i < rounds; i++) {
                    TaskResult result = run(capsule, source, steps);
                    first += result.result().path("first_s").asDouble();
                    second += result.result().path("second_s").asDouble();
                    List<AttemptRow> attempts = capsule.attempts(result.execution().taskId());
                    finishMs += attempts.get(attempts.size() - 1).durationMs();
                }
                first /= rounds;
                second /= rounds;
                System.out.printf("journaling %s: %d clock steps live in %.1f ms (%.0f steps/s); %s in %.1f ms (%.0f steps/s); "
                                + "second attempt %d ms end to end%n",
                        journaling ? "on " : "off", steps, first * 1000, steps / first, journaling ? "replayed" : "live again",
                        second * 1000, steps / second, finishMs / rounds);
            }
        }
    }

    private static TaskResult run(Capsule capsule, Path source, int steps) throws InterruptedException {
        TaskResult result = capsule.run(TaskSpec.builder(source).arg(Integer.toString(steps))
                .retryPolicy(RetryPolicy.retries(1).withBackoff(Duration.ZERO, 1, Duration.ZERO)).build());
        if (!result.success()) {
            throw new IllegalStateException(result.error().errorType() + ": " + result.error().message());
        }
        return result;
    }
}
