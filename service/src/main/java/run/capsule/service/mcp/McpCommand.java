package run.capsule.service.mcp;

import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.cli.CapsuleCli;
import run.capsule.engine.cli.PruneFlags;
import run.capsule.engine.cli.StopSignals;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.retention.PeriodicPrune;
import run.capsule.engine.retention.PruneSchedule;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Sizes;
import run.capsule.service.WorkerStart;
import run.capsule.service.config.GrantBounds;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "mcp", mixinStandardHelpOptions = true, description = {
        "Runs Capsule's MCP server over stdio (for agents and IDEs that start a command; docs/agents.md): an engine node with a",
        "worker on the project's journal, so what it accepts runs and survives its restart. Stops when stdin closes or on SIGTERM."})
public final class McpCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--runners", paramLabel = "N", description = "Runner processes, i.e. attempts at once (default 2)")
    int runners = 2;

    @Option(names = "--grant-host", paramLabel = "PATTERN", description = "A host pattern covering what MCP clients may allow (repeatable; default none)")
    List<String> grantHosts = List.of();

    @Option(names = "--grant-env", paramLabel = "NAME", description = "A server environment variable MCP clients may grant (repeatable; default none)")
    List<String> grantEnv = List.of();

    @Option(names = "--max-compute", paramLabel = "LEVEL", description = "Highest compute MCP clients may ask for (default MEDIUM)")
    String maxCompute = McpBounds.DEFAULT_MAX_COMPUTE.level();

    @Option(names = "--max-ram", paramLabel = "SIZE", description = "Highest ram MCP clients may ask for (default 256MB)")
    String maxRam = "256MB";

    @Option(names = "--max-timeout", paramLabel = "DURATION", description = "Highest timeout MCP clients may ask for (default 60s)")
    String maxTimeout = "60s";

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id (default host/pid)")
    String nodeId;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "How long a stop waits for running attempts (default 30s)")
    String drainTimeout = "30s";

    @Mixin
    PruneFlags pruneFlags = new PruneFlags();

    @Override
    public Integer call() throws Exception {
        CapsuleOptions options;
        GrantBounds bounds;
        WorkerOptions workerOptions;
        Optional<PruneSchedule> pruneSchedule;
        try {
            if (runners < 1 || runners > 256) {
                throw new InvalidInputException("--runners must be between 1 and 256");
            }
            CapsuleOptions.Builder builder = CapsuleOptions.builder().journal(cli.journalConfig()).runners(runners)
                    .poolSizedForRunners();
            if (nodeId != null) {
                builder.nodeId(nodeId);
            }
            options = builder.build();
            GrantBounds d = GrantBounds.NONE;
            bounds = new GrantBounds(List.of(), Set.copyOf(grantEnv), grantHosts.stream().map(HostPattern::parse).toList(),
                    Compute.parse(maxCompute), Sizes.parse("--max-ram", maxRam), Durations.parse("--max-timeout", maxTimeout),
                    d.maxRetries(), d.maxDepth(), d.maxChildren(), d.writeQuotaBytes());
            workerOptions = WorkerOptions.DEFAULT.withDrainTimeout(Durations.parse("--drain-timeout", drainTimeout));
            pruneSchedule = pruneFlags.schedule();
        } catch (InvalidInputException e) {
            cli.err().println("capsule: " + e.getMessage());
            return CapsuleCli.USAGE;
        }
        // stdout carries only JSON-RPC: anything else printed by this process goes to stderr
        PrintStream protocolOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        System.setOut(System.err);
        CountDownLatch stopped = new CountDownLatch(1);
        try (McpStdio stdio = McpStdio.open(options, workerOptions, bounds, cli.workingDir(), cli.env())) {
            StdinWatch stdin = new StdinWatch(new FileInputStream(FileDescriptor.in), stopped::countDown);
            StdioServerTransportProvider transport = new StdioServerTransportProvider(CapsuleMcpServer.jsonMapper(), stdin, protocolOut);
            McpSyncServer server = CapsuleMcpServer.stdio(transport, stdio.parts());
            StopSignals.install(stopped::countDown, "capsule-mcp-stop");
            stdio.capsule().onDrained(() -> {
                cli.err().println("capsule mcp " + options.nodeId() + " drained on request (capsule drain); exiting");
                stopped.countDown();
            });
            Optional<PeriodicPrune> prune = pruneSchedule.map(schedule -> schedule.start(stdio.capsule()::prune));
            cli.err().println("capsule mcp " + options.nodeId() + " on stdio with " + options.runners() + " runner(s)"
                    + pruneSchedule.map(schedule -> "; " + schedule.describe()).orElse(""));
            stopped.await();
            prune.ifPresent(PeriodicPrune::close);
            server.closeGracefully();
        }
        return CapsuleCli.OK;
    }

    /** The node behind the stdio server: the engine, its worker and the scratch directory; closing drains like the worker. */
    record McpStdio(Capsule capsule, WorkerStart worker, java.nio.file.Path scratch, CapsuleMcpServer.Parts parts) implements AutoCloseable {
        static McpStdio open(CapsuleOptions options, WorkerOptions workerOptions, GrantBounds bounds, java.nio.file.Path workingDir,
                             java.util.Map<String, String> env) throws java.io.IOException {
            java.nio.file.Path scratch = java.nio.file.Files.createTempDirectory("capsule-mcp-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            Capsule capsule = Capsule.open(options);
            WorkerStart worker = new WorkerStart(capsule, workerOptions);
            worker.begin();
            return new McpStdio(capsule, worker, scratch, CapsuleMcpServer.Parts.of(capsule, bounds, workingDir, env, scratch, worker::wake));
        }

        @Override
        public void close() {
            try {
                worker.close();
            } finally {
                capsule.close();
                Scratch.delete(scratch);
            }
        }
    }
}
