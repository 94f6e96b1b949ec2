package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.DrainOutcome;
import run.capsule.store.NodeRow;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "drain", mixinStandardHelpOptions = true, description = {
        "Asks a node (see capsule nodes) to drain, through the journal, so from any machine: at its next heartbeat it stops",
        "claiming, lets running attempts finish within its --drain-timeout, hands the rest back to the queue and stops",
        "(capsule worker and serve then exit 0)."})
final class DrainCommand implements Callable<Integer> {
    private static final long POLL_MS = 250;

    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "NODE")
    String nodeId;

    @Option(names = "--wait", description = "Wait until the node has stopped")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "With --wait: give up after this long (default 10m)")
    String timeout = "10m";

    @Override
    public Integer call() throws InterruptedException {
        Duration limit;
        try {
            limit = Durations.parse("--timeout", timeout);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        try (CapsuleClient capsule = cli.openClient()) {
            DrainOutcome outcome = capsule.drain(nodeId);
            String node = TerminalText.line(nodeId);
            switch (outcome) {
                case NOT_FOUND -> {
                    cli.err.println("capsule: no node " + node + " in this journal (capsule nodes lists them)");
                    return CapsuleCli.FAILED;
                }
                case NOT_RUNNING -> {
                    cli.err.println("capsule: node " + node + " is " + capsule.node(nodeId).map(n -> n.status().name()).orElse("gone")
                            + ": nothing to drain");
                    return CapsuleCli.FAILED;
                }
                case ALREADY_DRAINING -> cli.out.println("node " + node + " is already draining");
                default -> cli.out.println("asked node " + node + " to drain: it stops claiming at its next heartbeat");
            }
            return await ? waitStopped(capsule, node, limit) : CapsuleCli.OK;
        }
    }

    private int waitStopped(CapsuleClient capsule, String node, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Optional<NodeRow> row = capsule.node(nodeId);
            if (row.isEmpty() || !row.get().status().isLive()) {
                cli.out.println("node " + node + " " + row.map(r -> "is " + r.status().name()).orElse("is gone"));
                return CapsuleCli.OK;
            }
            if (System.nanoTime() > deadline) {
                cli.err.println("capsule: node " + node + " is still " + row.get().status() + " after " + timeout);
                return CapsuleCli.FAILED;
            }
            Thread.sleep(POLL_MS);
        }
    }
}
