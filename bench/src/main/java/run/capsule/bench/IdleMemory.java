package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.JournalConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Issue 15's memory figures: the RSS of an engine node (this JVM, nothing else in it) with a worker and N runners, and of
 * each runner, idle after running hello tasks on all of them. Needs {@code -Djava.library.path=<cache>/native/0.19.0-linux-x86_64}.
 * Usage: IdleMemory MODULE [runners] [tasks] [holdSeconds]: holdSeconds keeps the node and its runners idle after the
 * figures, for {@code jcmd PID GC.class_histogram} or {@code VM.native_memory} on them.
 */
public final class IdleMemory {
    public static void main(String[] args) throws Exception {
        Path module = Path.of(args[0]).toAbsolutePath();
        int runners = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int tasks = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        int holdSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Path work = Files.createTempDirectory("capsule-idle-memory");
        CapsuleOptions options = CapsuleOptions.builder().journal(JournalConfig.embedded(work.resolve("h2"))).runners(runners)
                .nodeId("memory-node").build();
        try (Capsule capsule = Capsule.open(options);
             Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
            capsule.warmUp(runners);
            List<String> ids = capsule.submitAll(Collections.nCopies(tasks, TaskSpec.builder(module).arg("memory").build()), SubmitOptions.NOW);
            for (String id : ids) {
                capsule.await(id, java.time.Duration.ofMinutes(5)).orElseThrow();
            }
            Thread.sleep(3000);
            System.out.printf("idle after %d hello tasks: engine node %d MiB; runners %s MiB%n", tasks,
                    rssMiB(ProcessHandle.current().pid()), capsule.runnerPids().stream().map(IdleMemory::rssMiB).toList());
            if (holdSeconds > 0) {
                System.out.printf("holding %d s: node pid %d, runner pids %s%n", holdSeconds, ProcessHandle.current().pid(), capsule.runnerPids());
                Thread.sleep(holdSeconds * 1000L);
            }
        }
    }

    static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
