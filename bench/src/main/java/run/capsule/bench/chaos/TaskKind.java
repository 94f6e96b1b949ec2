package run.capsule.bench.chaos;

import run.capsule.store.TaskStatus;

/** The kinds of task a chaos run submits, and the state each one's program implies once it has ended. */
enum TaskKind {
    /** samples/hello/hello.wasm: succeeds with "Hello, KEY!". */
    HELLO(TaskStatus.SUCCEEDED, 40),
    /** A Python task that starts three children and sums their results (30). */
    FAMILY(TaskStatus.SUCCEEDED, 20),
    /** A Python task that fails on its first two attempts (a counter in a granted directory) and succeeds on the third. */
    FLAKY(TaskStatus.SUCCEEDED, 15),
    /** A Python task in a durable sleep of three seconds (it suspends and resumes by a Quartz timer). */
    SLEEPER(TaskStatus.SUCCEEDED, 15),
    /** A Python task that always raises: FAILED once its one retry failed too. */
    DOOMED(TaskStatus.FAILED, 10);

    final TaskStatus expected;
    final int percent;

    TaskKind(TaskStatus expected, int percent) {
        this.expected = expected;
        this.percent = percent;
    }

    /** The kind of the {@code i}-th task: the percentages above, interleaved. */
    static TaskKind of(int i) {
        int slot = Math.floorMod(i * 37, 100);
        int upTo = 0;
        for (TaskKind kind : values()) {
            upTo += kind.percent;
            if (slot < upTo) {
                return kind;
            }
        }
        return HELLO;
    }
}
