package run.capsule.runner.guest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.runner.protocol.AttemptResult;
import run.capsule.runner.protocol.Program;

/** Python tasks on real CPython: describing and running a source file, and how failures are reported. */
class PythonTasksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HELLO = """
            from capsule import task

            @task(name="main", compute="LOW", ram="64MB", timeout="30s", max_retries=1)
            def main(*args):
                return {"hello": args[0] if args else "world"}

            @task
            def helper(x, y=2):
                return x * y
            """;

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

    static Path source(String file, String code) throws Exception {
        Path dir = Files.createTempDirectory(work, "src");
        Files.writeString(dir.resolve(file), code);
        return dir;
    }

    static String why(AttemptResult r) {
        return r.errorType() + ": " + r.message() + "\n" + r.errorDetail() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr();
    }

    @Test
    void describingListsTheTasksWithTheOptionsGiven() throws Exception {
        AttemptResult result = guest.run(guest.attempt(source("hello.py", HELLO), "hello.py", Program.DESCRIBE));

        assertThat(result.succeeded()).as(why(result)).isTrue();
        JsonNode tasks = JSON.readTree(result.value()).get("tasks");
        assertThat(tasks.get("main")).isEqualTo(JSON.readTree(
                "{\"name\":\"main\",\"compute\":\"LOW\",\"ram\":\"64MB\",\"timeout\":\"30s\",\"max_retries\":1}"));
        assertThat(tasks.get("helper")).isEqualTo(JSON.readTree("{\"name\":\"helper\"}"));
    }

    @Test
    void runningReturnsTheTasksValue() throws Exception {
        Path dir = source("hello.py", HELLO);
        AttemptResult main = guest.run(guest.attempt(dir, "hello.py", Program.RUN).task("main", "{\"args\":[\"capsule\"],\"kwargs\":{}}"));
        AttemptResult helper = guest.run(guest.attempt(dir, "hello.py", Program.RUN).task("helper", "{\"args\":[21],\"kwargs\":{\"y\":2}}"));

        assertThat(main.succeeded()).as(why(main)).isTrue();
        assertThat(main.exitCode()).isZero();
        assertThat(JSON.readTree(main.value())).isEqualTo(JSON.readTree("{\"hello\":\"capsule\"}"));
        assertThat(helper.succeeded()).as(why(helper)).isTrue();
        assertThat(helper.value()).isEqualTo("42");
    }
}
