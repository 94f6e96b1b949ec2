package run.capsule.service;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.Sizes;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.retention.PeriodicPrune;
import run.capsule.engine.retention.PruneSchedule;
import run.capsule.engine.cli.CapsuleCli;
import run.capsule.engine.cli.HandOffEndpoint;
import run.capsule.engine.cli.PruneFlags;
import run.capsule.engine.cli.StopSignals;
import run.capsule.service.config.GrantBounds;
import run.capsule.service.config.ServeConfigFile;
import run.capsule.service.config.ServeSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true, description = {
        "Runs an engine node with a worker plus the HTTP server: the REST API under /api/v1, live events, metrics and the",
        "dashboard at / (docs/api.md). Flags override capsule.toml's [serve] section. SIGTERM drains like capsule worker."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default 127.0.0.1; any other needs --token-file)")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", description = "Port (default 7070; 0 picks a free one)")
    Integer port;

    @Option(names = "--runners", paramLabel = "N", description = "Runner processes, i.e. attempts at once (default: CPU cores)")
    Integer runners;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Bearer tokens, one per line: TOKEN, or TOKEN read for a read-only one")
    Path tokenFile;

    @Option(names = "--max-body", paramLabel = "SIZE", description = "Largest request body (default 16MB); larger is 413")
    String maxBody;

    @Option(names = "--allowed-host", paramLabel = "NAME", description = "A Host header name to answer besides localhost (repeatable)")
    List<String> allowedHosts;

    @Option(names = "--allowed-origin", paramLabel = "ORIGIN", description = "A browser Origin (scheme://host[:port]) that may call the API (repeatable)")
    List<String> allowedOrigins;

    @Option(names = "--grant-dir", paramLabel = "DIR[:ro]", description = "A host directory API clients may mount, ro: read-only (repeatable; default none)")
    List<String> grantDirs;

    @Option(names = "--grant-env", paramLabel = "NAME", description = "A server environment variable API clients may grant (repeatable; default none)")
    List<String> grantEnv;

    @Option(names = "--grant-host", paramLabel = "PATTERN", description = "A host pattern covering what API clients may allow (repeatable; default none)")
    List<String> grantHosts;

    @Option(names = "--max-compute", paramLabel = "LEVEL", description = "Highest compute API clients may ask for (default HIGH)")
    String maxCompute;

    @Option(names = "--max-ram", paramLabel = "SIZE", description = "Highest ram API clients may ask for (default 1GB)")
    String maxRam;

    @Option(names = "--max-timeout", paramLabel = "DURATION", description = "Highest timeout API clients may ask for (default 1h)")
    String maxTimeout;

    @Option(names = "--max-retries", paramLabel = "N", description = "Most retries API clients may ask for (default 10)")
    Integer maxRetries;

    @Option(names = "--max-depth", paramLabel = "N", description = "How deep child tasks of API jobs may nest (default 32)")
    Integer maxDepth;

    @Option(names = "--max-children", paramLabel = "N", description = "Unfinished children one API task may have (default 1000)")
    Integer maxChildren;

    @Option(names = "--write-quota", paramLabel = "SIZE", description = "Highest write quota API clients may ask for (default 1GB)")
    String writeQuota;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id (default host/pid)")
    String nodeId;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "How long a stop waits for running attempts (default 30s)")
    String drainTimeout = "30s";

    @Mixin
    PruneFlags pruneFlags = new PruneFlags();

    @Override
    public Integer call() throws Exception {
        CapsuleOptions options;
        ServeSettings settings;
        WorkerOptions workerOptions;
        Optional<PruneSchedule> pruneSchedule;
        try {
            ServeConfigFile file = ServeConfigFile.load(cli.workingDir());
            settings = settings(file);
            CapsuleOptions.Builder builder = CapsuleOptions.builder().journal(cli.journalConfig()).startRunnerEarly(true)
                    .poolSizedForRunners();
            String runnerCount = file.value(runners == null ? null : runners.toString(), "runners", null);
            if (runnerCount != null) {
                int n = Integer.parseInt(runnerCount);
                if (n < 1 || n > 256) {
                    throw new InvalidInputException("--runners must be between 1 and 256");
                }
                builder.runners(n);
            }
            if (nodeId != null) {
                builder.nodeId(nodeId);
            }
            options = builder.build();
            settings = new ServeSettings(settings.bind(), settings.port(), options.runners(), settings.tokenFile(), settings.maxBodyBytes(),
                    settings.allowedHosts(), settings.allowedOrigins(), settings.bounds());
            workerOptions = WorkerOptions.DEFAULT.withDrainTimeout(Durations.parse("--drain-timeout", drainTimeout));
            pruneSchedule = pruneFlags.schedule(new PruneFlags.Fallback(file.value(null, "prune_finished_before", null),
                    Boolean.parseBoolean(file.value(null, "prune_keep_failed", "false")), file.value(null, "prune_every", null)));
        } catch (InvalidInputException e) {
            cli.err().println("capsule: " + e.getMessage());
            return CapsuleCli.USAGE;
        }
        CapsuleService service;
        try {
            service = CapsuleService.start(options, workerOptions, settings, cli.workingDir(), cli.env());
        } catch (InvalidInputException e) {
            cli.err().println("capsule: " + e.getMessage());
            return CapsuleCli.USAGE;
        } catch (java.io.IOException e) {
            cli.err().println("capsule: cannot listen on " + settings.bind() + ":" + settings.port() + ": " + e.getMessage());
            return CapsuleCli.FAILED;
        }
        Optional<PeriodicPrune> prune = pruneSchedule.map(schedule -> schedule.start(service.capsule()::prune));
        cli.err().println("capsule serve " + options.nodeId() + " listening on " + service.url() + " with " + options.runners() + " runner(s); "
                + (settings.tokenFile() == null ? "no token (loopback only)" : "tokens in " + settings.tokenFile().toAbsolutePath())
                + pruneSchedule.map(schedule -> "; " + schedule.describe()).orElse(""));
        Optional<HandOffEndpoint> handOff = HandOffEndpoint.open(service.capsule(), workerOptions.drainTimeout());
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = StopSignals.install(() -> {
            cli.err().println("capsule serve " + options.nodeId() + " stopping");
            try {
                handOff.ifPresent(HandOffEndpoint::close);
                prune.ifPresent(PeriodicPrune::close);
                service.close();
            } finally {
                stopped.countDown();
            }
        }, "capsule-serve-stop");
        service.capsule().onDrained(() -> {
            cli.err().println("capsule serve " + options.nodeId() + " drained on request (capsule drain); exiting");
            stop.run();
        });
        stopped.await();
        return CapsuleCli.OK;
    }

    private ServeSettings settings(ServeConfigFile file) {
        String address = file.value(bind, "bind", ServeSettings.DEFAULT_BIND);
        int listenPort = parseInt("--port", file.value(port == null ? null : port.toString(), "port", Integer.toString(ServeSettings.DEFAULT_PORT)), 0, 65535);
        String tokens = file.value(tokenFile == null ? null : tokenFile.toString(), "token_file", null);
        Path tokenPath = tokens == null ? null : cli.workingDir().resolve(tokens);
        if (tokenPath != null && !Files.isRegularFile(tokenPath)) {
            throw new InvalidInputException("--token-file " + tokens + ": file not found");
        }
        long body = Sizes.parse("--max-body", file.value(maxBody, "max_body", "16MB"));
        Set<String> hosts = new HashSet<>();
        file.list(allowedHosts, "allowed_hosts").forEach(h -> hosts.add(h.strip().toLowerCase(Locale.ROOT)));
        Set<String> origins = new HashSet<>();
        file.list(allowedOrigins, "allowed_origins").forEach(o -> origins.add(o.strip().toLowerCase(Locale.ROOT)));
        return new ServeSettings(address, listenPort, 1, tokenPath, body, hosts, origins, bounds(file));
    }

    private GrantBounds bounds(ServeConfigFile file) {
        List<GrantBounds.GrantDir> dirs = new ArrayList<>();
        for (String text : file.list(grantDirs, "grant_dirs")) {
            boolean readOnly = text.endsWith(":ro");
            String dir = readOnly ? text.substring(0, text.length() - 3) : text.endsWith(":rw") ? text.substring(0, text.length() - 3) : text;
            Path path = cli.workingDir().resolve(dir);
            try {
                dirs.add(new GrantBounds.GrantDir(path.toRealPath(), readOnly));
            } catch (java.io.IOException e) {
                throw new InvalidInputException("--grant-dir " + text + ": " + path + " does not exist");
            }
        }
        Set<String> env = new HashSet<>(file.list(grantEnv, "grant_env"));
        List<HostPattern> hosts = file.list(grantHosts, "grant_hosts").stream().map(HostPattern::parse).toList();
        GrantBounds d = GrantBounds.NONE;
        return new GrantBounds(dirs, env, hosts,
                Compute.parse(file.value(maxCompute, "max_compute", d.maxCompute().level())),
                Sizes.parse("--max-ram", file.value(maxRam, "max_ram", Sizes.format(d.maxRamBytes()))),
                Durations.parse("--max-timeout", file.value(maxTimeout, "max_timeout", d.maxTimeout().toSeconds() + "s")),
                parseInt("--max-retries", file.value(maxRetries == null ? null : maxRetries.toString(), "max_retries", Integer.toString(d.maxRetries())), 0, 100),
                parseInt("--max-depth", file.value(maxDepth == null ? null : maxDepth.toString(), "max_depth", Integer.toString(d.maxDepth())), 0, 1000),
                parseInt("--max-children", file.value(maxChildren == null ? null : maxChildren.toString(), "max_children",
                        Integer.toString(d.maxChildren())), 0, 1_000_000),
                Sizes.parse("--write-quota", file.value(writeQuota, "write_quota", Sizes.format(d.writeQuotaBytes()))));
    }

    private static int parseInt(String flag, String text, int min, int max) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException("invalid " + flag + " value '" + text + "': use a whole number from " + min + " to " + max);
    }
}
