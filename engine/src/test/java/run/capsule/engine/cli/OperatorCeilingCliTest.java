package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, finding 1: a source's {@code @task(...)} options no longer beat the operator's flags. Reproduction:
 * {@code capsule run --json --timeout 2s --ram 32MB --compute LOW selfgrant.py}, whose source declares timeout 1h,
 * ram 1GB, compute HIGH, /etc and /root grants and the operator's environment, slept, allocated, read /etc/shadow and
 * the environment. It is now refused before anything runs, with each excess named.
 */
class OperatorCeilingCliTest {

    @TempDir
    Path workDir;

    private CliOutcome capsule(Map<String, String> env, String... args) {
        return CliOutcome.run(workDir, env, args);
    }

    private Path source(String name, String code) throws Exception {
        Path file = workDir.resolve(name);
        Files.writeString(file, code);
        return file;
    }

    private static final String SELF_GRANT = """
            import os, time
            from capsule import task

            @task(name="main", timeout="1h", ram="1GB", compute="HIGH",
                  allowed_files=["/etc::/hostetc:ro", "/root::/hostroot:rw"], env_variables=["HOME", "PATH", "SOME_SECRET"])
            def main():
                return {"secret": os.environ.get("SOME_SECRET"), "shadow": os.path.exists("/hostetc/shadow")}
            """;

    @Test
    void aSourceDeclaringMoreThanTheFlagsAllowIsRefusedBeforeAnythingRuns() throws Exception {
        Path file = source("selfgrant.py", SELF_GRANT);

        CliOutcome run = capsule(Map.of("SOME_SECRET", "hunter2", "HOME", "/root", "PATH", "/usr/bin"),
                "run", "--json", "--timeout", "2s", "--ram", "32MB", "--compute", "LOW", file.toString());

        assertThat(run.exitCode()).isNotZero();
        JsonNode envelope = run.json();
        assertThat(envelope.path("success").asBoolean()).isFalse();
        assertThat(envelope.path("error").path("error_type").asText()).isEqualTo("invalid_input");
        String message = envelope.path("error").path("message").asText();
        assertThat(message).doesNotContain("\n")
                .contains("timeout 1h is over the ceiling 2s (allow it with --timeout or [tasks] max_timeout)")
                .contains("ram 1GB is over the ceiling 32MB").contains("compute HIGH is over the ceiling LOW")
                .contains("allowed_files /etc::/hostetc:ro is not granted").contains("allowed_files /root::/hostroot:rw is not granted")
                .contains("env_variables SOME_SECRET is not granted (grant it with --env SOME_SECRET")
                .contains("env_variables HOME is not granted").contains("--trust-declared");
        assertThat(run.out()).doesNotContain("hunter2");
        CliOutcome history = capsule(Map.of(), "history", "--json");
        assertThat(history.json()).as("nothing journaled").isEmpty();
    }

    @Test
    void withoutFlagsTheBuiltInCeilingsStillApply() throws Exception {
        Path file = source("huge.py", """
                from capsule import task

                @task(name="main", ram="2GB", timeout="2h")
                def main():
                    return 1
                """);

        CliOutcome run = capsule(Map.of(), "run", "--json", file.toString());

        String message = run.json().path("error").path("message").asText();
        assertThat(message).contains("ram 2GB is over the ceiling 1GB").contains("timeout 2h is over the ceiling 1h");
    }

    @Test
    void capsuleTomlCeilingsAndGrantsApplyAndAGrantedSourceRuns() throws Exception {
        Path data = Files.createDirectories(workDir.resolve("data"));
        Files.writeString(data.resolve("x.txt"), "from the grant");
        Files.writeString(workDir.resolve("capsule.toml"), """
                [tasks]
                max_ram = "64MB"
                default_allowed_files = ["./data:ro"]
                default_env_variables = ["GREETING"]
                """);
        Path file = source("granted.py", """
                import os
                from capsule import task

                @task(name="main", ram="64MB", allowed_files=["./data::/in:ro"], env_variables=["GREETING"])
                def main():
                    return {"text": open("/in/x.txt").read(), "greeting": os.environ.get("GREETING"), "home": os.environ.get("HOME")}
                """);
        Path greedy = source("greedy.py", """
                from capsule import task

                @task(name="main", ram="128MB", allowed_files=["./data::/in:rw"])
                def main():
                    return 1
                """);

        CliOutcome ok = capsule(Map.of("GREETING", "hi", "HOME", "/root"), "run", "--json", file.toString());
        CliOutcome refused = capsule(Map.of("GREETING", "hi"), "run", "--json", greedy.toString());

        assertThat(ok.json().path("success").asBoolean()).as(ok.out()).isTrue();
        assertThat(ok.json().path("result").path("text").asText()).isEqualTo("from the grant");
        assertThat(ok.json().path("result").path("greeting").asText()).isEqualTo("hi");
        assertThat(ok.json().path("result").path("home").isNull()).isTrue();
        assertThat(refused.json().path("error").path("message").asText())
                .contains("ram 128MB is over the ceiling 64MB (allow it with --ram or [tasks] max_ram)")
                .contains("/data::/in:rw is not granted");
    }

    @Test
    void trustDeclaredRunsWhatTheSourceDeclares() throws Exception {
        Path file = source("mine.py", """
                import os
                from capsule import task

                @task(name="main", timeout="30s", env_variables=["MY_TOKEN"])
                def main():
                    return os.environ.get("MY_TOKEN")
                """);

        CliOutcome refused = capsule(Map.of("MY_TOKEN", "t0k"), "run", "--json", "--timeout", "5s", file.toString());
        CliOutcome trusted = capsule(Map.of("MY_TOKEN", "t0k"), "run", "--json", "--timeout", "5s", "--trust-declared", file.toString());

        assertThat(refused.json().path("success").asBoolean()).isFalse();
        assertThat(trusted.json().path("success").asBoolean()).as(trusted.out()).isTrue();
        assertThat(trusted.json().path("result").asText()).isEqualTo("t0k");
    }

    /** A source declaring more retries than --max-retries would get fresh attempts, each with its own limits: refused. */
    @Test
    void declaredRetriesAboveTheOperatorsAreRefused() throws Exception {
        Path file = source("retrying.py", """
                from capsule import task

                @task(name="main", max_retries=50)
                def main():
                    return 1
                """);

        CliOutcome run = capsule(Map.of(), "run", "--json", "--max-retries", "0", file.toString());

        assertThat(run.json().path("error").path("message").asText())
                .contains("max_retries 50 is over the ceiling 0 (allow it with --max-retries)");
    }

    /** Issue 11, finding 2: a grant of the working directory would let a task read the journal (other tasks' secrets). */
    @Test
    void aGrantContainingTheJournalDirectoryIsRefused() throws Exception {
        Path file = source("reader.py", """
                from capsule import task

                @task(name="main")
                def main():
                    return 1
                """);

        CliOutcome run = capsule(Map.of(), "run", "--json", "--mount", ".:ro", file.toString());

        assertThat(run.json().path("success").asBoolean()).isFalse();
        assertThat(run.json().path("error").path("message").asText()).contains("contains the journal directory");
    }

    /** Issue 11, finding 7: a task with compute LOW wrote 2 GiB into a read-write grant; --write-quota bounds it. */
    @Test
    void writesPastTheOperatorsWriteQuotaFailWithLimitExceeded() throws Exception {
        Path out = Files.createDirectories(workDir.resolve("out"));
        Path file = source("writer.py", """
                from capsule import task

                @task(name="main", allowed_files=["./out::/out:rw"])
                def main():
                    with open("/out/big.bin", "wb") as f:
                        for _ in range(64):
                            f.write(b"x" * 1024)
                    return "wrote"
                """);

        CliOutcome run = capsule(Map.of(), "run", "--json", "--mount", "out", "--write-quota", "16KB", file.toString());

        assertThat(run.json().path("success").asBoolean()).isFalse();
        assertThat(run.json().path("error").path("error_type").asText()).as(run.out()).isEqualTo("limit_exceeded");
        assertThat(Files.size(out.resolve("big.bin"))).isLessThanOrEqualTo(16 * 1024);
    }

    /** Issue 11, finding 9: loading a source ignored --timeout (top-level code sleeping forever was refused after 60 s). */
    @Test
    void loadingASourceStopsAtTheRunsTimeout() throws Exception {
        Path file = source("stuck.py", """
                import time
                from capsule import task
                time.sleep(1000)

                @task(name="main")
                def main():
                    return 1
                """);

        long started = System.nanoTime();
        CliOutcome run = capsule(Map.of(), "run", "--json", "--timeout", "2s", file.toString());
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;

        assertThat(run.json().path("success").asBoolean()).isFalse();
        assertThat(run.json().path("error").path("message").asText()).containsIgnoringCase("time");
        assertThat(seconds).as("refused at the run's timeout, not the 60 s describing limit").isLessThan(45);
    }
}
