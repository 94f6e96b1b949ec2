package run.capsule.service.http;

import run.capsule.protocol.ErrorType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.LimitExceededException;
import run.capsule.engine.RerunRefusedException;
import run.capsule.service.auth.RequestGuard;
import run.capsule.service.auth.Role;
import run.capsule.store.JournalException;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The one servlet: finds the route of a request in {@link Routes}, has {@link RequestGuard} check it, runs the handler,
 * and turns every failure into the JSON error of docs/api.md (never a stack trace).
 */
public final class Dispatcher extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private final Routes routes;
    private final RequestGuard guard;
    private final long maxBody;

    public Dispatcher(Routes routes, RequestGuard guard, long maxBody) {
        this.routes = routes;
        this.guard = guard;
        this.maxBody = maxBody;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
        String path = request.getRequestURI();
        try {
            String method = request.getMethod();
            Route route = find(method, path);
            Role role = guard.check(request, route.access());
            Map<String, String> params = route.match(path).orElseThrow();
            route.handler().handle(new Exchange(request, response, params, role, maxBody));
        } catch (ApiError e) {
            if (e instanceof MethodNotAllowed notAllowed) {
                response.setHeader("Allow", notAllowed.allow);
            }
            error(response, e.status(), e.errorType(), e.getMessage(), e instanceof RequestGuard.Unauthorized);
        } catch (InvalidInputException e) {
            error(response, 400, ErrorType.INVALID_INPUT, e.getMessage(), false);
        } catch (LimitExceededException e) {
            error(response, 403, ErrorType.FORBIDDEN, e.getMessage(), false);
        } catch (RerunRefusedException e) {
            error(response, 409, ErrorType.CONFLICT, e.getMessage(), false);
        } catch (JournalException e) {
            log.warn("journal error on {} {}: {}", request.getMethod(), path, e.getMessage());
            error(response, 503, ErrorType.UNAVAILABLE, "the journal does not answer: " + e.getMessage(), false);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("internal error on {} {}", request.getMethod(), path, e);
            error(response, 500, ErrorType.INTERNAL_ERROR, "internal error (" + e.getClass().getSimpleName() + "); see the server's log", false);
        }
    }

    /**
     * The route of a request. A path that only the catch-all (static files) matches is 404 for any method but GET/HEAD;
     * a path of a route with other methods is 405 with {@code Allow}.
     */
    private Route find(String method, String path) {
        String wanted = method.equals("HEAD") ? "GET" : method;
        List<Route> exact = routes.all().stream().filter(r -> !r.pattern().endsWith("...}") && r.match(path).isPresent()).toList();
        Optional<Route> found = exact.stream().filter(r -> r.method().equals(wanted)).findFirst();
        if (found.isPresent()) {
            return found.get();
        }
        if (!exact.isEmpty()) {
            TreeSet<String> allowed = new TreeSet<>(exact.stream().map(Route::method).toList());
            throw new MethodNotAllowed(method, path, allowed);
        }
        return routes.all().stream().filter(r -> r.pattern().endsWith("...}") && r.method().equals(wanted) && r.match(path).isPresent())
                .findFirst().orElseThrow(() -> ApiError.notFound("no route " + path));
    }

    private static final class MethodNotAllowed extends ApiError {
        final String allow;

        MethodNotAllowed(String method, String path, TreeSet<String> allowed) {
            super(405, ErrorType.METHOD_NOT_ALLOWED, method + " is not allowed on " + path + " (allowed: " + String.join(", ", allowed) + ")");
            this.allow = String.join(", ", allowed);
        }
    }

    private static void error(HttpServletResponse response, int status, ErrorType type, String message, boolean challenge) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        if (challenge) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"capsule\"");
        }
        byte[] body = Exchange.errorBody(type, message == null ? type.wireName() : message.strip().lines().findFirst().orElse(type.wireName()));
        response.setStatus(status);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
