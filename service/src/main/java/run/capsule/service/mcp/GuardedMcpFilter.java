package run.capsule.service.mcp;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import run.capsule.service.auth.RequestGuard;
import run.capsule.service.http.Access;
import run.capsule.service.http.ApiError;
import run.capsule.service.http.Json;

import java.io.IOException;

/**
 * In front of {@code /mcp}: the service's Host and Origin checks and a bearer token that may submit (a read-only token
 * is refused: the tools run code), before the MCP transport sees the request. Refusals are the service's JSON errors.
 */
public final class GuardedMcpFilter implements Filter {
    private final RequestGuard guard;

    public GuardedMcpFilter(RequestGuard guard) {
        this.guard = guard;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) resp;
        try {
            guard.check(request, Access.ADMIN);
        } catch (ApiError e) {
            if (e instanceof RequestGuard.Unauthorized) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"capsule\"");
            }
            byte[] body = Json.MAPPER.writeValueAsBytes(Json.object().put("error_type", e.errorType().wireName()).put("message", e.getMessage()));
            response.setStatus(e.status());
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            return;
        }
        chain.doFilter(req, resp);
    }
}
