package run.capsule.runner.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs of one Python task on an interpreter compiled once and reused: each run starts from a fresh instance, so no
 * module state leaks from one run into the next and the same program costs the same fuel every time. (How fast a warm
 * run is, is measured by {@code bench/languages.sh}, not here.)
 */
class PythonWarmRunTest {
    private static final int RUNS = 10;
    private static final String COUNTER = String.join("\n",
            "from capsule import task",
            "",
            "calls = []",
            "",
            "@task(name='main')",
            "def main(*args):",
            "    calls.append(args)",
            "    return {'calls': len(calls)}",
            "");

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
    void eachRunOnTheReusedInterpreterStartsFreshAndCostsTheSameFuel() throws Exception {
        PythonGuest.Attempt counter = guest.attempt(guest.source("counter.py", COUNTER), "counter.py", Program.RUN);
        List<Long> fuel = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            AttemptResult result = guest.run(counter);
            assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
            assertThat(result.value()).as("run %d sees no state of the runs before it", i + 1).isEqualTo("{\"calls\":1}");
            fuel.add(result.fuelConsumed());
        }
        assertThat(new HashSet<>(fuel.subList(1, RUNS)))
                .as("after the first run (which may compile the library's bytecode) the same program costs the same fuel each run").hasSize(1);
    }
}
