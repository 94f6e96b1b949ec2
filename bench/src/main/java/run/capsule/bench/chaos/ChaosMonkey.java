package run.capsule.bench.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Inflicts the run's events, one at a time, at moments drawn from the seed within the chaos window: SIGKILL a node and
 * start a new one, SIGSTOP a node past its lease then SIGCONT it, SIGKILL a runner process of a node, restart PostgreSQL.
 */
final class ChaosMonkey implements Runnable {
    enum Event { KILL_NODE, PAUSE_NODE, KILL_RUNNER, RESTART_DATABASE }

    /** What happened, when. */
    record Done(Instant at, Event event, String detail) {
    }

    private static final Duration RUNNER_MIN_AGE = Duration.ofSeconds(3);
    private static final long DATABASE_DOWN_MS = 3000;
    private final ChaosSettings settings;
    private final WorkerNodes nodes;
    private final ChaosPostgres postgres;
    private final Random random;
    private final List<Done> done = Collections.synchronizedList(new ArrayList<>());
    private final Map<Event, Integer> counts = Collections.synchronizedMap(new EnumMap<>(Event.class));
    private volatile Instant databaseDownFrom;
    private volatile Instant databaseUpAt;
    private volatile Throwable failure;

    ChaosMonkey(ChaosSettings settings, WorkerNodes nodes, ChaosPostgres postgres) {
        this.settings = settings;
        this.nodes = nodes;
        this.postgres = postgres;
        this.random = new Random(settings.seed());
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        try {
            for (Planned p : plan()) {
                long wait = start + p.afterMillis() * 1_000_000 - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
                inflict(p.event());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            failure = e;
        }
    }

    private record Planned(long afterMillis, Event event) {
    }

    /** Every event at a moment drawn from the seed, between a tenth and nine tenths of the window. */
    private List<Planned> plan() {
        List<Event> events = new ArrayList<>();
        events.addAll(Collections.nCopies(settings.nodeKills(), Event.KILL_NODE));
        events.addAll(Collections.nCopies(settings.pauses(), Event.PAUSE_NODE));
        events.addAll(Collections.nCopies(settings.runnerKills(), Event.KILL_RUNNER));
        events.add(Event.RESTART_DATABASE);
        long window = settings.chaosWindow().toMillis();
        List<Planned> plan = new ArrayList<>();
        for (Event e : events) {
            plan.add(new Planned(window / 10 + (long) (random.nextDouble() * window * 8 / 10), e));
        }
        plan.sort(java.util.Comparator.comparingLong(Planned::afterMillis));
        return plan;
    }

    private void inflict(Event event) throws Exception {
        switch (event) {
            case KILL_NODE -> {
                String victim = pick(nodes.liveIds());
                nodes.kill(victim);
                String fresh = nodes.startNode();
                record(event, "SIGKILL " + victim + ", started " + fresh);
            }
            case PAUSE_NODE -> {
                String victim = pick(nodes.liveIds());
                nodes.pause(victim);
                record(event, "SIGSTOP " + victim + " for " + settings.pauseLength().toMillis() + " ms");
                Thread.sleep(settings.pauseLength().toMillis());
                nodes.resume(victim);
            }
            case KILL_RUNNER -> {
                for (int look = 0; look < 30; look++) {
                    for (String node : shuffled(nodes.liveIds())) {
                        List<ProcessHandle> runners = nodes.runners(node, RUNNER_MIN_AGE);
                        if (!runners.isEmpty()) {
                            ProcessHandle runner = runners.get(random.nextInt(runners.size()));
                            runner.destroyForcibly();
                            runner.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS); // not picked again while it dies
                            record(event, "SIGKILL runner " + runner.pid() + " of " + node);
                            return;
                        }
                    }
                    Thread.sleep(1000); // no runner old enough yet
                }
                done.add(new Done(Instant.now(), event, "no runner to kill (skipped)"));
            }
            case RESTART_DATABASE -> {
                databaseDownFrom = Instant.now();
                postgres.restart(DATABASE_DOWN_MS);
                databaseUpAt = Instant.now();
                record(event, "PostgreSQL down for " + Duration.between(databaseDownFrom, databaseUpAt).toMillis() + " ms");
            }
        }
    }

    private void record(Event event, String detail) {
        counts.merge(event, 1, Integer::sum);
        done.add(new Done(Instant.now(), event, detail));
    }

    private String pick(List<String> ids) {
        return ids.get(random.nextInt(ids.size()));
    }

    private List<String> shuffled(List<String> ids) {
        List<String> copy = new ArrayList<>(ids);
        Collections.shuffle(copy, random);
        return copy;
    }

    int count(Event event) {
        return counts.getOrDefault(event, 0);
    }

    List<Done> log() {
        return List.copyOf(done);
    }

    Instant databaseDownFrom() {
        return databaseDownFrom;
    }

    Instant databaseUpAt() {
        return databaseUpAt;
    }

    Throwable failure() {
        return failure;
    }
}
