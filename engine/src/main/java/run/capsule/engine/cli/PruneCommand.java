package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.retention.PruneRequest;
import run.capsule.store.JournalException;
import run.capsule.store.PruneCounts;
import run.capsule.store.PruneReport;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(name = "prune", mixinStandardHelpOptions = true, description = {
        "Deletes finished task trees (a parent only with all its descendants) with their attempts, events, steps,",
        "host requests and unreferenced modules, in small batches. Ctrl-C stops between two batches; run it again to",
        "go on. Each run is recorded in the prune_runs table. See docs/sql.md, \"Retention\"."})
final class PruneCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--finished-before", required = true, paramLabel = "AGE|TIME",
            description = "Prune trees whose every task finished before this: an age (30d, 12h) or a time (2026-11-01, 2026-11-01T08:00:00Z)")
    String finishedBefore;

    @Option(names = "--keep-failed", description = "Keep every tree that holds a FAILED task")
    boolean keepFailed;

    @Option(names = "--dry-run", description = "Count what would be deleted; delete nothing")
    boolean dryRun;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Option(names = "--batch", paramLabel = "N", description = "Tasks deleted per transaction (default 500)")
    int batch = 500;

    @Override
    public Integer call() {
        PruneRequest request;
        try {
            if (batch < 1 || batch > 100_000) {
                throw new InvalidInputException("--batch must be between 1 and 100000");
            }
            TimeBound bound = TimeBound.parse("--finished-before", finishedBefore);
            request = (bound.ago() != null ? PruneRequest.olderThan(bound.ago()) : PruneRequest.finishedBefore(bound.at()))
                    .withKeepFailed(keepFailed).withDryRun(dryRun).withBatchTasks(batch);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        AtomicBoolean stop = new AtomicBoolean();
        try (CapsuleClient capsule = cli.openClient()) {
            StopSignals.install(() -> stop.set(true), "capsule-prune-stop");
            PruneReport report;
            try {
                report = capsule.prune(request, stop::get);
            } catch (JournalException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.FAILED;
            }
            if (json) {
                cli.out.println(Json.write(toJson(report)));
            } else {
                print(report);
            }
            return report.outcome() == PruneReport.Outcome.COMPLETED ? CapsuleCli.OK : CapsuleCli.FAILED;
        }
    }

    static ObjectNode toJson(PruneReport report) {
        ObjectNode node = Json.object();
        node.put("run_id", report.runId());
        node.put("outcome", report.outcome().name().toLowerCase(java.util.Locale.ROOT));
        node.put("dry_run", report.criteria().dryRun());
        node.put("finished_before", report.criteria().finishedBefore().toInstant().toString());
        node.put("keep_failed", report.criteria().keepFailed());
        PruneCounts d = report.deleted();
        ObjectNode deleted = node.putObject(report.criteria().dryRun() ? "would_delete" : "deleted");
        deleted.put("tasks", d.tasks()).put("attempts", d.attempts()).put("events", d.events()).put("steps", d.steps())
                .put("host_requests", d.hostRequests()).put("modules", d.modules());
        node.put("trees_skipped", report.treesSkipped());
        node.put("elapsed_ms", report.elapsed().toMillis());
        return node;
    }

    private void print(PruneReport report) {
        PruneCounts d = report.deleted();
        String verb = report.criteria().dryRun() ? "would delete" : "deleted";
        cli.out.printf("prune run %d %s: %s %d tasks, %d attempts, %d events, %d steps, %d host requests, %d modules "
                        + "(finished before %s%s) in %.1f s%n",
                report.runId(), report.outcome().name().toLowerCase(java.util.Locale.ROOT), verb, d.tasks(), d.attempts(), d.events(),
                d.steps(), d.hostRequests(), d.modules(), report.criteria().finishedBefore().toInstant(),
                report.criteria().keepFailed() ? ", failed kept" : "", report.elapsed().toMillis() / 1000.0);
        if (report.treesSkipped() > 0) {
            cli.out.println(report.treesSkipped() + " old tree(s) kept: a task of each is unfinished or finished after the cutoff");
        }
        if (report.outcome() == PruneReport.Outcome.INTERRUPTED) {
            cli.err.println("capsule: prune stopped between batches; run it again to go on");
        }
    }
}
