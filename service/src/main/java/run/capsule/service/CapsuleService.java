package run.capsule.service;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.service.api.ScheduleRoutes;
import run.capsule.service.api.StaticFiles;
import run.capsule.service.api.StatsRoutes;
import run.capsule.service.api.TaskList;
import run.capsule.service.api.TaskRequests;
import run.capsule.service.api.TaskRoutes;
import run.capsule.service.auth.RequestGuard;
import run.capsule.service.auth.Tokens;
import run.capsule.service.config.ServeSettings;
import run.capsule.service.events.EventHub;
import run.capsule.service.events.EventStream;
import run.capsule.service.http.HttpServer;
import run.capsule.service.http.Route;
import run.capsule.service.mcp.GuardedMcpFilter;
import run.capsule.service.mcp.McpHttp;
import run.capsule.service.metrics.ServiceMetrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * {@code capsule serve} in-process: an engine node with a worker (the same leases, recovery and retries as
 * {@code capsule worker}), the event hub, metrics and the HTTP server. {@link #close} drains like the worker.
 */
public final class CapsuleService implements AutoCloseable {
    private final Capsule capsule;
    private final WorkerStart worker;
    private final EventHub hub;
    private final HttpServer http;
    private final Path scratch;
    private final String url;
    private final List<Route> routes;
    private final McpHttp mcp;

    private CapsuleService(Capsule capsule, WorkerStart worker, EventHub hub, HttpServer http, Path scratch, String url, List<Route> routes,
                           McpHttp mcp) {
        this.mcp = mcp;
        this.capsule = capsule;
        this.worker = worker;
        this.hub = hub;
        this.http = http;
        this.scratch = scratch;
        this.url = url;
        this.routes = routes;
    }

    /**
     * Starts the service. Refuses (one line, {@link InvalidInputException}) a non-loopback address without a token file.
     * {@code workingDir} resolves mount grants; {@code env} is where granted variables' values come from.
     */
    public static CapsuleService start(CapsuleOptions options, WorkerOptions workerOptions, ServeSettings settings, Path workingDir,
                                       Map<String, String> env) throws Exception {
        Tokens tokens = settings.tokenFile() == null ? null : Tokens.read(settings.tokenFile());
        if (tokens == null && !isLoopback(settings.bind())) {
            throw new InvalidInputException("refusing to listen on " + settings.bind() + " without --token-file: anyone who can reach it could"
                    + " run code here (bind 127.0.0.1, or give a token file)");
        }
        Path scratch = Files.createTempDirectory("capsule-serve-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Capsule capsule = Capsule.open(options);
        EventHub hub = null;
        HttpServer http = null;
        McpHttp mcp = null;
        try {
            hub = new EventHub(capsule.eventFeed());
            ServiceMetrics metrics = new ServiceMetrics(capsule);
            hub.onEvent(metrics::record);
            RequestGuard guard = new RequestGuard(tokens, settings.allowedHosts(), settings.allowedOrigins());
            WorkerStart worker = new WorkerStart(capsule, workerOptions);
            TaskRequests requests = new TaskRequests(settings.bounds(), workingDir, env, scratch);
            var routes = ServiceRoutes.build(new TaskRoutes(capsule, requests, worker::wake), new TaskList(capsule),
                    new ScheduleRoutes(capsule, requests), new StatsRoutes(capsule), new EventStream(hub), metrics,
                    new Health(capsule, worker::started, guard), new StaticFiles());
            mcp = new McpHttp(capsule, settings.bounds(), workingDir, env, scratch, (int) Math.min(Integer.MAX_VALUE, settings.maxBodyBytes()),
                    worker::wake);
            http = HttpServer.start(settings.bind(), settings.port(), routes, guard, settings.maxBodyBytes(),
                    new HttpServer.GuardedServlet(McpHttp.PATH, mcp.servlet(), new GuardedMcpFilter(guard)));
            worker.begin();
            String host = settings.bind().contains(":") ? "[" + settings.bind() + "]" : settings.bind();
            return new CapsuleService(capsule, worker, hub, http, scratch, "http://" + host + ":" + http.port(), routes.all(), mcp);
        } catch (Exception | Error e) {
            if (http != null) {
                http.close();
            }
            if (mcp != null) {
                mcp.close();
            }
            if (hub != null) {
                hub.close();
            }
            capsule.close();
            throw e;
        }
    }

    static boolean isLoopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new InvalidInputException("--bind " + bind + ": unknown address");
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:7070}. */
    public String url() {
        return url;
    }

    public int port() {
        return http.port();
    }

    /** The routes the server answers (ServiceRoutes). */
    public List<Route> routes() {
        return routes;
    }

    public Capsule capsule() {
        return capsule;
    }

    /** Stops accepting requests, stops claiming, lets running attempts finish within the drain timeout, hands the rest back. */
    @Override
    public void close() {
        try {
            mcp.close();
            http.close();
            hub.close();
            worker.close();
        } finally {
            capsule.close();
            deleteScratch();
        }
    }

    private void deleteScratch() {
        try (var paths = Files.walk(scratch)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover empty private directory under the temp dir
        }
    }
}
