package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.retention.PeriodicPrune;
import run.capsule.engine.retention.PruneSchedule;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "worker", mixinStandardHelpOptions = true, description = {
        "Runs queued tasks until stopped. On SIGTERM (or Ctrl-C) it stops claiming, lets running attempts finish",
        "within --drain-timeout, hands the rest back to the queue and exits; `capsule drain NODE` does the same from anywhere."})
final class WorkerCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--runners", paramLabel = "N", description = "Runner processes, i.e. attempts at once (default: CPU cores)")
    Integer runners;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id (default host/pid); a restart with the same id recovers its attempts at once")
    String nodeId;

    @Option(names = "--lease", paramLabel = "DURATION", description = "Missed-heartbeat time after which a node's attempts are recovered (default 10s)")
    String lease = "10s";

    @Option(names = "--heartbeat", paramLabel = "DURATION", description = "Heartbeat interval (default 2s)")
    String heartbeat = "2s";

    @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "How long a stop waits for running attempts (default 30s)")
    String drainTimeout = "30s";

    @Option(names = "--suspend-after", paramLabel = "DURATION", description = "A capsule.sleep longer than this suspends the task and frees its runner (default 30s)")
    String suspendAfter = "30s";

    @Mixin
    PruneFlags pruneFlags = new PruneFlags();

    @Override
    public Integer call() throws InterruptedException {
        CapsuleOptions options;
        WorkerOptions workerOptions;
        Optional<PruneSchedule> pruneSchedule;
        try {
            CapsuleOptions.Builder builder = CapsuleOptions.builder()
                    .journal(cli.journalConfig())
                    .lease(Durations.parse("--lease", lease))
                    .heartbeatInterval(Durations.parse("--heartbeat", heartbeat))
                    .suspendAfter(Durations.parse("--suspend-after", suspendAfter))
                    .startRunnerEarly(true)
                    .poolSizedForRunners();
            if (runners != null) {
                if (runners < 1 || runners > 256) {
                    throw new InvalidInputException("--runners must be between 1 and 256");
                }
                builder.runners(runners);
            }
            if (nodeId != null) {
                builder.nodeId(nodeId);
            }
            options = builder.build();
            workerOptions = WorkerOptions.DEFAULT.withDrainTimeout(Durations.parse("--drain-timeout", drainTimeout));
            pruneSchedule = pruneFlags.schedule();
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Capsule capsule = Capsule.open(options);
        Worker worker = capsule.startWorker(workerOptions);
        Optional<HandOffEndpoint> handOff = HandOffEndpoint.open(capsule, workerOptions.drainTimeout());
        Optional<PeriodicPrune> prune = pruneSchedule.map(schedule -> schedule.start(capsule::prune));
        cli.err.println("capsule worker " + options.nodeId() + " started with " + options.runners() + " runner(s)"
                + pruneSchedule.map(schedule -> "; " + schedule.describe()).orElse(""));
        Runnable stop = StopSignals.install(() -> {
            cli.err.println("capsule worker " + options.nodeId() + " stopping");
            try {
                handOff.ifPresent(HandOffEndpoint::close);
                prune.ifPresent(PeriodicPrune::close);
                worker.close();
                capsule.close();
            } finally {
                stopped.countDown();
            }
        }, "capsule-worker-stop");
        capsule.onDrained(() -> {
            cli.err.println("capsule worker " + options.nodeId() + " drained on request (capsule drain); exiting");
            stop.run();
        });
        stopped.await();
        return CapsuleCli.OK;
    }
}
