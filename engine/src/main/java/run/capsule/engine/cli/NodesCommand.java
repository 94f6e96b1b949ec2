package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleClient;
import run.capsule.store.NodeRow;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "nodes", mixinStandardHelpOptions = true, description = {
        "Lists the engine nodes of the journal: id, status, host, start, last heartbeat (database clock) and its age,",
        "runners busy/total and Capsule version. Live nodes (ALIVE, DRAINING) first."})
final class NodesCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
        List<NodeRow> nodes;
        try (CapsuleClient capsule = cli.openClient()) {
            nodes = capsule.nodes();
        }
        if (json) {
            ArrayNode rows = Json.MAPPER.createArrayNode();
            for (NodeRow n : nodes) {
                rows.add(Json.object().put("id", n.id()).put("status", n.status().name()).put("host", n.host()).put("pid", n.pid())
                        .put("version", n.version()).put("runners", n.runners()).put("runners_busy", n.runnersBusy())
                        .put("started_at", Json.time(n.startedAt())).put("heartbeat_at", Json.time(n.heartbeatAt()))
                        .put("heartbeat_age_ms", n.heartbeatAge().toMillis()).put("stopped_at", Json.time(n.stoppedAt()))
                        .put("drain_requested_at", Json.time(n.drainRequestedAt())));
            }
            cli.out.println(Json.write(rows));
            return CapsuleCli.OK;
        }
        if (nodes.isEmpty()) {
            cli.out.println("no nodes have registered in this journal");
            return CapsuleCli.OK;
        }
        String format = "%-28s %-9s %-20s %-21s %-32s %-8s %s%n";
        cli.out.printf(format, "NODE", "STATUS", "HOST", "STARTED", "LAST HEARTBEAT (AGE)", "BUSY", "VERSION");
        for (NodeRow n : nodes) {
            cli.out.printf(format, TerminalText.line(n.id()), n.status(), n.host() == null ? "-" : TerminalText.line(n.host()),
                    Json.time(n.startedAt()), Json.time(n.heartbeatAt()) + " (" + age(n.heartbeatAge().toMillis()) + ")",
                    n.runnersBusy() + "/" + n.runners(), n.version() == null ? "-" : TerminalText.line(n.version()));
        }
        return CapsuleCli.OK;
    }

    private static String age(long ms) {
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        return ms < 3_600_000 ? ms / 60_000 + "m" : ms / 3_600_000 + "h";
    }
}
