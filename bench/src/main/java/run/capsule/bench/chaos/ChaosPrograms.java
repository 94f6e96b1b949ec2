package run.capsule.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Python sources of the chaos workload, written to a directory (with the {@code state/} directory FLAKY counts in). */
final class ChaosPrograms {
    static final String FAMILY = """
            import capsule
            from capsule import task

            @task(name="leaf", compute="LOW", timeout="60s", max_retries=4)
            def leaf(i):
                return i * 10

            @task(name="main", timeout="300s", max_retries=4)
            def main(key):
                envelopes = capsule.gather(*[leaf.spawn(i) for i in range(3)])
                failed = [e["error"] for e in envelopes if not e["success"]]
                if failed:
                    raise RuntimeError("children failed: %s" % failed)
                return sum(e["result"] for e in envelopes)
            """;

    static final String FLAKY = """
            import os
            from capsule import task

            @task(name="main", timeout="60s", max_retries=5, allowed_files=["./state::/state:rw"])
            def main(key):
                path = "/state/" + key
                n = int(open(path).read()) if os.path.exists(path) else 0
                with open(path, "w") as f:
                    f.write(str(n + 1))
                if n < 2:
                    raise RuntimeError("attempt %d of %s fails on purpose" % (n + 1, key))
                return n + 1
            """;

    static final String SLEEPER = """
            import capsule
            from capsule import task

            @task(name="main", timeout="60s", max_retries=4)
            def main(key):
                capsule.sleep(3)
                return "slept " + key
            """;

    static final String DOOMED = """
            from capsule import task

            @task(name="main", timeout="60s", max_retries=1)
            def main(key):
                raise ValueError("doomed " + key)
            """;

    private ChaosPrograms() {
    }

    static Path write(Path dir, TaskKind kind) throws IOException {
        Files.createDirectories(dir.resolve("state"));
        String source = switch (kind) {
            case FAMILY -> FAMILY;
            case FLAKY -> FLAKY;
            case SLEEPER -> SLEEPER;
            case DOOMED -> DOOMED;
            case HELLO -> throw new IllegalArgumentException("hello is a WebAssembly module");
        };
        Path file = dir.resolve(kind.name().toLowerCase(java.util.Locale.ROOT) + ".py");
        Files.writeString(file, source);
        return file;
    }
}
