package run.capsule.runner.host;

import run.capsule.protocol.RunAttempt;

import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Makes the host-call dispatcher for one attempt, from its grants and deadline; network requests go to {@code log},
 * what a Python or JavaScript guest reports goes to {@code report}; the ops that are steps (docs/steps.md) are
 * journaled and replayed through {@code report.steps()}.
 */
@FunctionalInterface
public interface HostCalls {
    HostCallDispatcher dispatcherFor(RunAttempt request, long deadlineNanos, HostRequestLog log, GuestReport report);

    /** {@code echo}, {@code invocation}, {@code begin}, {@code result}, {@code env}, the {@code file.*} ops on the attempt's mounts and
     * journaled steps: no op that reaches outside the runner or its grants. */
    HostCalls BASIC = (request, deadlineNanos, log, report) -> {
        Map<String, HostCallDispatcher.Operation> operations = local(request, report);
        StepCalls.install(operations, report.steps(), EngineLink.NONE, request.attemptId(), deadlineNanos);
        return new HostCallDispatcher(operations, request.attemptId(), EngineLink.NONE, deadlineNanos);
    };

    /** As {@link #BASIC} plus {@code http} through {@code client} within the attempt's allowed hosts, and the engine's ops. */
    static HostCalls withHttp(HttpClient client, HttpGateway.Resolver resolver, EngineLink engine) {
        return withHttp(() -> client, resolver, engine);
    }

    /** As above, with the client made when a guest first makes a request. */
    static HostCalls withHttp(Supplier<HttpClient> client, HttpGateway.Resolver resolver, EngineLink engine) {
        return (request, deadlineNanos, log, report) -> {
            Map<String, HostCallDispatcher.Operation> operations = local(request, report);
            operations.put("http", new HttpGateway(client, resolver, new HostGrants(request.allowedHosts()), deadlineNanos, log));
            StepCalls.install(operations, report.steps(), engine, request.attemptId(), deadlineNanos);
            return new HostCallDispatcher(operations, request.attemptId(), engine, deadlineNanos);
        };
    }

    static HostCalls withHttp(HttpClient client, HttpGateway.Resolver resolver) {
        return withHttp(client, resolver, EngineLink.NONE);
    }

    private static Map<String, HostCallDispatcher.Operation> local(RunAttempt request, GuestReport report) {
        Map<String, HostCallDispatcher.Operation> operations = new HashMap<>(HostCallDispatcher.basicOperations());
        operations.put("invocation", ProgramCalls.invocation(request.program(), report));
        operations.put("result", ProgramCalls.result(report));
        operations.put("begin", ProgramCalls.begin(report));
        operations.put("env", ProgramCalls.env(request.env()));
        FileGateway files = new FileGateway(request.mounts(), report.writeQuota());
        operations.put("file.read", files.read());
        operations.put("file.write", files.write());
        operations.put("file.list", files.list());
        FileChanges changes = new FileChanges(files.paths());
        operations.put("file.stat", changes.stat());
        operations.put("file.mkdir", changes.mkdir());
        operations.put("file.remove", changes.remove());
        operations.put("file.rename", changes.rename());
        return operations;
    }
}
