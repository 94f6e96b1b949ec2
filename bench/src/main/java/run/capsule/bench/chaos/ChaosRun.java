package run.capsule.bench.chaos;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.store.JournalConfig;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One chaos run: embedded PostgreSQL, worker nodes as separate processes, the mixed workload and a cron schedule, the
 * monkey's events while they run, then the journal's invariants checked once every task has ended.
 */
public final class ChaosRun {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
    private final ChaosSettings settings;
    private final Path workDir;
    private final Path helloModule;
    private final PrintStream out;

    public ChaosRun(ChaosSettings settings, Path workDir, Path helloModule, PrintStream out) {
        this.settings = settings;
        this.workDir = workDir;
        this.helloModule = helloModule;
        this.out = out;
    }

    public ChaosReport run() throws Exception {
        Instant began = Instant.now();
        out.printf("chaos: seed %d, work directory %s%n", settings.seed(), workDir);
        Files.createDirectories(workDir.resolve("logs"));
        try (ChaosPostgres postgres = ChaosPostgres.start(workDir.resolve("pg"))) {
            JournalConfig journal = JournalConfig.of(postgres.jdbcUrl()).withPoolSize(4);
            try (CapsuleClient client = Capsule.openClient(CapsuleOptions.builder().journal(journal).nodeId("chaos-client").runners(1).build());
                 WorkerNodes nodes = new WorkerNodes(postgres.jdbcUrl(), workDir.resolve("logs"), settings)) {
                for (int i = 0; i < settings.nodes(); i++) {
                    nodes.startNode();
                }
                ChaosWorkload workload = new ChaosWorkload(client, helloModule, workDir.resolve("programs"));
                client.addSchedule(CronTicks.NAME, CronTicks.CRON, workload.spec(TaskKind.HELLO).toBuilder().args(List.of("tick")).build());
                Instant scheduleFrom = Instant.now();
                ChaosMonkey monkey = new ChaosMonkey(settings, nodes, postgres);
                Thread chaos = new Thread(monkey, "chaos-monkey");
                chaos.start();
                List<ChaosWorkload.Submitted> submitted = workload.submitAll(settings.tasks(), settings.chaosWindow().multipliedBy(2).dividedBy(3));
                out.printf("chaos: %d tasks acknowledged after %d s%n", submitted.size(), Duration.between(began, Instant.now()).toSeconds());
                chaos.join();
                if (monkey.failure() != null) {
                    throw new IllegalStateException("the chaos monkey failed: " + monkey.failure(), monkey.failure());
                }
                deleteSchedule(client);
                Instant scheduleUntil = Instant.now();
                List<String> violations = new ArrayList<>();
                awaitAllEnded(postgres, violations);
                nodes.deadUnexpectedly().forEach(id -> violations.add("node " + id + " exited by itself (see " + nodes.log(id) + ")"));
                try (Connection db = postgres.connect()) {
                    JournalChecks checks = new JournalChecks(db);
                    Map<TaskKind, int[]> tally = checks.submitted(submitted);
                    checks.attempts();
                    checks.children();
                    checks.programsRanAsWritten(submitted);
                    violations.addAll(checks.violations());
                    CronTicks.Report cron = CronTicks.check(db, scheduleFrom.plusSeconds(CronTicks.PERIOD_SECONDS), scheduleUntil.minusSeconds(CronTicks.PERIOD_SECONDS));
                    cron.missing().forEach(t -> violations.add("cron tick " + t + " never fired"));
                    if (cron.notSucceeded() > 0) {
                        violations.add(cron.notSucceeded() + " cron task(s) did not succeed");
                    }
                    Map<ChaosMonkey.Event, Integer> events = new EnumMap<>(ChaosMonkey.Event.class);
                    for (ChaosMonkey.Event e : ChaosMonkey.Event.values()) {
                        events.put(e, monkey.count(e));
                    }
                    Map<String, Map<String, Integer>> logs = new LinkedHashMap<>();
                    for (String id : nodes.startedIds()) {
                        logs.put(id, NodeLogs.count(nodes.log(id)));
                    }
                    return new ChaosReport(settings, tally, events, monkey.log(), cron, logs, totals(checks), workload.submitRetries(),
                            Duration.between(began, Instant.now()), violations);
                }
            }
        }
    }

    private static Map<String, Long> totals(JournalChecks checks) throws SQLException {
        Map<String, Long> totals = new LinkedHashMap<>();
        totals.put("tasks in the journal (children, cron included)", checks.count("select count(*) from tasks"));
        totals.put("attempts", checks.count("select count(*) from attempts"));
        totals.put("attempts ABANDONED (node lost, recovered)", checks.count("select count(*) from attempts where status = 'ABANDONED'"));
        totals.put("attempts failed runner_crashed", checks.count("select count(*) from attempts where error_type = 'runner_crashed'"));
        totals.put("attempts SUSPENDED (durable sleeps, waits)", checks.count("select count(*) from attempts where status = 'SUSPENDED'"));
        totals.put("child steps", checks.count("select count(*) from steps where kind = 'child'"));
        totals.put("nodes that lost attempts to recovery, ALIVE at the end", checks.count("""
                select count(*) from nodes n where n.status = 'ALIVE'
                and exists (select 1 from attempts a where a.status = 'ABANDONED' and a.error_message like 'node ' || n.id || ' lost%')
                """));
        totals.put("modules refused as crashing the compiler", checks.count("select count(*) from crashed_modules where crashes > 1"));
        return totals;
    }

    private void deleteSchedule(CapsuleClient client) throws InterruptedException {
        for (int i = 0; ; i++) {
            try {
                client.deleteSchedule(CronTicks.NAME);
                return;
            } catch (RuntimeException e) {
                if (i == 20) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    /** Waits until no task is PENDING, RUNNING or RETRY_WAIT, printing progress; past the deadline, that is a violation. */
    private void awaitAllEnded(ChaosPostgres postgres, List<String> violations) throws InterruptedException, SQLException {
        long deadline = System.nanoTime() + settings.deadline().toNanos();
        long nextProgress = 0;
        while (true) {
            long open;
            try (Connection db = postgres.connect()) {
                open = new JournalChecks(db).count("select count(*) from tasks where status in ('PENDING', 'RUNNING', 'RETRY_WAIT')");
            }
            if (open == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                violations.add(open + " task(s) still unfinished " + settings.deadline().toSeconds() + " s after the chaos ended");
                return;
            }
            if (System.nanoTime() > nextProgress) {
                out.printf("chaos: %d task(s) not ended yet%n", open);
                nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            Thread.sleep(500);
        }
    }
}
