package run.capsule.runner.host;

import run.capsule.runner.protocol.RunAttempt;

import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.Map;

/** Makes the host-call dispatcher for one attempt, from its grants and deadline; network requests go to {@code log}. */
@FunctionalInterface
public interface HostCalls {
    HostCallDispatcher dispatcherFor(RunAttempt request, long deadlineNanos, HostRequestLog log);

    /** Only {@code echo}: no op that reaches outside the runner. */
    HostCalls BASIC = (request, deadlineNanos, log) -> new HostCallDispatcher(HostCallDispatcher.basicOperations());

    /** {@code echo} and {@code http}, the latter through {@code client} within the attempt's allowed hosts. */
    static HostCalls withHttp(HttpClient client, HttpGateway.Resolver resolver) {
        return (request, deadlineNanos, log) -> {
            Map<String, HostCallDispatcher.Operation> operations = new HashMap<>(HostCallDispatcher.basicOperations());
            operations.put("http", new HttpGateway(client, resolver, new HostGrants(request.allowedHosts()), deadlineNanos, log));
            return new HostCallDispatcher(operations);
        };
    }
}
