package run.capsule.bench.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's {@code capsule worker} nodes, each a separate JVM on the engine's class path with its own log file;
 * killed with SIGKILL, paused with SIGSTOP and resumed with SIGCONT, as an operator's or kernel's signal would.
 */
final class WorkerNodes implements AutoCloseable {
    private final String jdbcUrl;
    private final Path logDir;
    private final ChaosSettings settings;
    private final Map<String, Process> live = new TreeMap<>();
    private final List<String> started = new ArrayList<>();
    private int nextId = 1;

    WorkerNodes(String jdbcUrl, Path logDir, ChaosSettings settings) {
        this.jdbcUrl = jdbcUrl;
        this.logDir = logDir;
        this.settings = settings;
    }

    synchronized String startNode() throws IOException {
        String id = "chaos-node-" + nextId++;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "run.capsule.engine.cli.CapsuleCli",
                "--db", jdbcUrl, "worker", "--node-id", id, "--runners", Integer.toString(settings.runnersPerNode()),
                "--lease", settings.lease().toMillis() + "ms", "--heartbeat", settings.heartbeat().toMillis() + "ms",
                "--suspend-after", "1s", "--drain-timeout", "5s");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(id + ".log").toFile())).start();
        live.put(id, process);
        started.add(id);
        return id;
    }

    synchronized List<String> liveIds() {
        return List.copyOf(live.keySet());
    }

    /** Every node started, in order, killed ones included. */
    synchronized List<String> startedIds() {
        return List.copyOf(started);
    }

    Path log(String id) {
        return logDir.resolve(id + ".log");
    }

    /** SIGKILL: the node gets no chance to hand anything back. Its runners see their stdin close and exit. */
    synchronized void kill(String id) throws InterruptedException {
        Process process = live.remove(id);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void pause(String id) throws IOException, InterruptedException {
        signal(id, "STOP");
    }

    void resume(String id) throws IOException, InterruptedException {
        signal(id, "CONT");
    }

    private void signal(String id, String signal) throws IOException, InterruptedException {
        long pid;
        synchronized (this) {
            pid = live.get(id).pid();
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    /** The runner processes of a node that have run for at least {@code minAge} (so not ones still compiling a module). */
    synchronized List<ProcessHandle> runners(String id, Duration minAge) {
        Process process = live.get(id);
        if (process == null) {
            return List.of();
        }
        return process.children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().startInstant().map(t -> t.isBefore(java.time.Instant.now().minus(minAge))).orElse(false))
                .toList();
    }

    /** Whether every node started last is still running (a crash of a node process is a finding in itself). */
    synchronized List<String> deadUnexpectedly() {
        return live.entrySet().stream().filter(e -> !e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    /** SIGTERM to every live node, then SIGKILL to those that did not stop within the timeout. */
    @Override
    public synchronized void close() throws InterruptedException {
        for (Map.Entry<String, Process> e : live.entrySet()) {
            try {
                resume(e.getKey()); // a node left paused by an interrupted run would ignore SIGTERM
            } catch (IOException ignored) {
                // it is gone already
            }
            e.getValue().destroy();
        }
        for (Process p : live.values()) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        live.clear();
    }
}
