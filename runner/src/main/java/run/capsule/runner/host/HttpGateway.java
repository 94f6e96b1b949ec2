package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code http} host call: one HTTP request performed by the runner for the guest, deny by default
 * (docs/host-api.md). Redirects are followed by hand, each hop checked like the first, at most
 * {@value #MAX_REDIRECTS}. Every request, refused ones included, goes to the attempt's {@link HostRequestLog}.
 */
public final class HttpGateway implements HostCallDispatcher.Operation {
    public static final int MAX_REQUEST_BODY = 1024 * 1024;
    public static final int MAX_RESPONSE_BODY = 4 * 1024 * 1024;
    public static final int MAX_REDIRECTS = 5;
    public static final int MAX_REQUESTS = 256;
    public static final Duration MAX_TIME = Duration.ofSeconds(10);
    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
    private static final List<String> CREDENTIAL_HEADERS = List.of("authorization", "cookie", "proxy-authorization");

    /** Resolves host names; tests substitute their own. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Supplier<HttpClient> client;
    private final Resolver resolver;
    private final HostGrants grants;
    private final long deadlineNanos;
    private final HostRequestLog log;

    public HttpGateway(HttpClient client, Resolver resolver, HostGrants grants, long deadlineNanos, HostRequestLog log) {
        this(() -> client, resolver, grants, deadlineNanos, log);
    }

    /** As above, with the client made on the first request ({@link #lazyClient}). */
    public HttpGateway(Supplier<HttpClient> client, Resolver resolver, HostGrants grants, long deadlineNanos,
                       HostRequestLog log) {
        this.client = client;
        this.resolver = resolver;
        this.grants = grants;
        this.deadlineNanos = deadlineNanos;
        this.log = log;
    }

    /**
     * {@link #newClient}, made when first asked for. A runner that never served an HTTP request has no client, hence
     * no selector thread blocked in native code, which would hold up the JVM's exit by 300 ms.
     */
    public static Supplier<HttpClient> lazyClient() {
        return new Supplier<>() {
            private volatile HttpClient made;

            @Override
            public HttpClient get() {
                HttpClient c = made;
                if (c == null) {
                    synchronized (this) {
                        if (made == null) {
                            made = newClient();
                        }
                        c = made;
                    }
                }
                return c;
            }
        };
    }

    /** The client the runner shares among attempts: never follows redirects itself, no proxy. */
    public static HttpClient newClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(MAX_TIME)
                .build();
    }

    private record Call(String method, URI uri, Map<String, String> headers, byte[] body) {
    }

    @Override
    public ObjectNode handle(JsonNode request) throws HostCallException {
        Call call = parse(request);
        long timeoutNanos = requestedTimeoutNanos(request);
        long endsNanos = timeoutNanos < 0 ? deadlineNanos : Math.min(deadlineNanos, System.nanoTime() + timeoutNanos);
        for (int hop = 0; ; hop++) {
            HttpResponse<CappedBody.Body> response = send(call, endsNanos);
            Optional<String> location = response.headers().firstValue("location");
            if (response.statusCode() / 100 != 3 || location.isEmpty() || response.statusCode() == 304) {
                return reply(call.uri(), response);
            }
            if (hop == MAX_REDIRECTS) {
                throw new HostCallException(ErrorType.TOO_MANY_REDIRECTS, "stopped after " + MAX_REDIRECTS + " redirects at " + call.uri());
            }
            call = redirected(call, response.statusCode(), location.get());
        }
    }

    private Call parse(JsonNode request) throws HostCallException {
        String method = request.path("method").asText("GET").toUpperCase(Locale.ROOT);
        if (!METHOD.matcher(method).matches()) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "\"method\" must be an HTTP method such as GET or POST");
        }
        if (!request.path("url").isTextual()) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "\"url\" must be a string");
        }
        URI uri = uri(request.path("url").asText());
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode given = request.path("headers");
        if (!given.isMissingNode() && !given.isNull()) {
            if (!given.isObject()) {
                throw new HostCallException(ErrorType.BAD_REQUEST, "\"headers\" must be an object of strings");
            }
            for (Map.Entry<String, JsonNode> header : (Iterable<Map.Entry<String, JsonNode>>) given::fields) {
                if (!header.getValue().isTextual()) {
                    throw new HostCallException(ErrorType.BAD_REQUEST, "header \"" + header.getKey() + "\" must be a string");
                }
                headers.put(header.getKey(), header.getValue().asText());
            }
        }
        byte[] body = new byte[0];
        JsonNode givenBody = request.path("body");
        if (!givenBody.isMissingNode() && !givenBody.isNull()) {
            if (!givenBody.isTextual()) {
                throw new HostCallException(ErrorType.BAD_REQUEST, "\"body\" must be a string");
            }
            body = givenBody.asText().getBytes(StandardCharsets.UTF_8);
        }
        Call call = new Call(method, uri, headers, body);
        if (body.length > MAX_REQUEST_BODY) {
            throw refused(call, ErrorType.TOO_LARGE, "request body is " + body.length + " bytes; the limit is " + MAX_REQUEST_BODY);
        }
        return call;
    }

    private static URI uri(String text) throws HostCallException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "\"url\" is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "only http and https URLs are supported: " + text);
        }
        if (uri.getHost() == null) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "the URL names no host: " + text);
        }
        return uri;
    }

    /** The optional {@code timeout} field, in seconds, for the whole exchange (redirects included); -1 without it. */
    private static long requestedTimeoutNanos(JsonNode request) throws HostCallException {
        JsonNode timeout = request.path("timeout");
        if (timeout.isMissingNode() || timeout.isNull()) {
            return -1;
        }
        if (!timeout.isNumber() || !(timeout.asDouble() > 0)) {
            throw new HostCallException(ErrorType.BAD_REQUEST, "\"timeout\" must be a positive number of seconds");
        }
        return (long) Math.min(MAX_TIME.toNanos(), timeout.asDouble() * 1e9);
    }

    private HttpResponse<CappedBody.Body> send(Call call, long endsNanos) throws HostCallException {
        if (log.size() >= MAX_REQUESTS) {
            throw new HostCallException(ErrorType.LIMIT_EXCEEDED, "an attempt may make at most " + MAX_REQUESTS + " requests");
        }
        check(call);
        long remainingNanos = endsNanos - System.nanoTime();
        if (remainingNanos <= 0) {
            throw refused(call, ErrorType.TIMEOUT, endsNanos < deadlineNanos ? "the request's timeout passed" : "the task's time is up");
        }
        long timeoutMs = Math.max(1, Math.min(MAX_TIME.toMillis(), remainingNanos / 1_000_000));
        HttpRequest request;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(call.uri())
                    .timeout(Duration.ofMillis(timeoutMs))
                    .method(call.method(), call.body().length == 0
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(call.body()));
            call.headers().forEach(builder::header);
            request = builder.build();
        } catch (IllegalArgumentException e) {
            throw refused(call, ErrorType.BAD_REQUEST, "cannot send this request: " + e.getMessage());
        }
        long started = System.nanoTime();
        long at = System.currentTimeMillis();
        CompletableFuture<HttpResponse<CappedBody.Body>> pending =
                client.get().sendAsync(request, info -> new CappedBody(MAX_RESPONSE_BODY));
        try {
            HttpResponse<CappedBody.Body> response = pending.get(timeoutMs, TimeUnit.MILLISECONDS);
            log.add(at, call.method(), call.uri().toString(), call.headers(), response.statusCode(), call.body().length,
                    response.body().bytes().length, elapsedMs(started), response.body().truncated() ? "response body truncated" : null);
            return response;
        } catch (TimeoutException e) {
            pending.cancel(true);
            String message = "no complete response within " + timeoutMs + " ms";
            log.add(at, call.method(), call.uri().toString(), call.headers(), null, call.body().length, 0, elapsedMs(started), message);
            throw new HostCallException(ErrorType.TIMEOUT, message);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                // the client's own timeout can fire just before the wait above gives up: the same limit
                String message = "no complete response within " + timeoutMs + " ms";
                log.add(at, call.method(), call.uri().toString(), call.headers(), null, call.body().length, 0, elapsedMs(started), message);
                throw new HostCallException(ErrorType.TIMEOUT, message);
            }
            String message = cause.getClass().getSimpleName() + (cause.getMessage() != null ? ": " + cause.getMessage() : "");
            log.add(at, call.method(), call.uri().toString(), call.headers(), null, call.body().length, 0, elapsedMs(started), message);
            throw new HostCallException(ErrorType.NETWORK_ERROR, message);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new HostCallException(ErrorType.NETWORK_ERROR, "interrupted");
        }
    }

    /**
     * Refuses a host no pattern grants, and addresses that are not public unless a pattern names the host
     * exactly. The addresses checked come from the resolver that the HTTP client uses too (the JVM's
     * InetAddress cache); see docs/host-api.md for the remaining rebinding window.
     */
    private void check(Call call) throws HostCallException {
        String host = host(call.uri());
        int port = port(call.uri());
        if (!grants.allows(host, port)) {
            throw refused(call, ErrorType.NOT_ALLOWED, "host " + host + ":" + port + " is not granted (grant it with --allow-host)");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw refused(call, ErrorType.NETWORK_ERROR, "cannot resolve " + host);
        }
        if (grants.allowsExactly(host, port)) {
            return;
        }
        for (InetAddress address : addresses) {
            Optional<String> kind = AddressPolicy.nonPublic(address);
            if (kind.isPresent()) {
                throw refused(call, ErrorType.ADDRESS_REFUSED, host + " resolves to a " + kind.get() + " address (" + address.getHostAddress()
                        + "); only a grant naming exactly " + host + " allows that");
            }
        }
    }

    private HostCallException refused(Call call, ErrorType type, String message) {
        log.add(System.currentTimeMillis(), call.method(), call.uri().toString(), call.headers(), null, 0, 0, 0, message);
        return new HostCallException(type, message);
    }

    private static Call redirected(Call call, int status, String location) throws HostCallException {
        URI next;
        try {
            next = uri(call.uri().resolve(new URI(location)).toString());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new HostCallException(ErrorType.NETWORK_ERROR, "redirect to an invalid location: " + location);
        }
        boolean keepMethod = status == 307 || status == 308 || call.method().equals("GET") || call.method().equals("HEAD");
        Map<String, String> headers = new LinkedHashMap<>(call.headers());
        if (!host(next).equals(host(call.uri())) || port(next) != port(call.uri()) || !next.getScheme().equalsIgnoreCase(call.uri().getScheme())) {
            headers.keySet().removeIf(name -> CREDENTIAL_HEADERS.contains(name.toLowerCase(Locale.ROOT)));
        }
        if (!keepMethod) {
            headers.keySet().removeIf(name -> name.toLowerCase(Locale.ROOT).startsWith("content-"));
        }
        return keepMethod ? new Call(call.method(), next, headers, call.body()) : new Call("GET", next, headers, new byte[0]);
    }

    private static ObjectNode reply(URI uri, HttpResponse<CappedBody.Body> response) {
        ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
        reply.put("status", response.statusCode());
        reply.put("url", uri.toString());
        ObjectNode headers = reply.putObject("headers");
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                headers.put(name, String.join(", ", values));
            }
        });
        reply.put("body", new String(response.body().bytes(), StandardCharsets.UTF_8));
        reply.put("truncated", response.body().truncated());
        return reply;
    }

    private static String host(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
