package run.capsule.service.auth;

import run.capsule.protocol.ErrorType;
import jakarta.servlet.http.HttpServletRequest;
import run.capsule.service.http.Access;
import run.capsule.service.http.ApiError;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks every request before its route: the Host header (against DNS rebinding: a page of another site whose name
 * resolves to this server), the Origin header (a browser's cross-site request), then the bearer token for the route's
 * access (docs/security.md, Service).
 */
public final class RequestGuard {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private final Tokens tokens;
    private final Set<String> allowedHosts;
    private final Set<String> allowedOrigins;

    /**
     * {@code tokens} null: no token is asked for (loopback only). {@code allowedHosts}: host names (no port) accepted in
     * the Host header besides the loopback names; with tokens and no names given, any Host is accepted (a rebinding page
     * cannot know a token). {@code allowedOrigins}: origins
     * ({@code scheme://host[:port]}) accepted besides the server's own.
     */
    public RequestGuard(Tokens tokens, Set<String> allowedHosts, Set<String> allowedOrigins) {
        this.tokens = tokens;
        this.allowedHosts = allowedHosts;
        this.allowedOrigins = allowedOrigins;
    }

    public boolean tokensRequired() {
        return tokens != null;
    }

    /** The caller's role for a route of {@code access}; throws 401/403 {@link ApiError}s. */
    public Role check(HttpServletRequest request, Access access) {
        String host = hostName(request.getHeader("Host"));
        boolean anyHost = tokens != null && allowedHosts.isEmpty();
        if (host == null || !anyHost && !LOOPBACK_NAMES.contains(host) && !allowedHosts.contains(host)) {
            throw ApiError.forbidden("Host header '" + printable(request.getHeader("Host")) + "' is not one this server answers to"
                    + " (add it to [serve] allowed_hosts)");
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, request.getHeader("Host")) && !allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
            throw ApiError.forbidden("Origin '" + printable(origin) + "' may not call this server (add it to [serve] allowed_origins)");
        }
        if (access == Access.PUBLIC) {
            return tokens == null ? Role.ADMIN : Role.READ;
        }
        Role role = tokens == null ? Role.ADMIN : bearer(request).flatMap(tokens::roleOf).orElseThrow(Unauthorized::new);
        if (access == Access.ADMIN && role != Role.ADMIN) {
            throw ApiError.forbidden("this token is read-only: it may list and read, not submit, cancel, rerun or change schedules");
        }
        return role;
    }

    /** 401 with {@code WWW-Authenticate: Bearer}. */
    public static final class Unauthorized extends ApiError {
        Unauthorized() {
            super(401, ErrorType.UNAUTHORIZED, "a bearer token is required: Authorization: Bearer TOKEN");
        }
    }

    private static Optional<String> bearer(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(header.substring(7).strip());
    }

    private static boolean sameOrigin(String origin, String hostHeader) {
        try {
            URI uri = URI.create(origin);
            String authority = uri.getRawAuthority();
            return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && authority != null && hostHeader != null && authority.equalsIgnoreCase(hostHeader.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The host part of a Host header, lower case, without its port; null when malformed. */
    static String hostName(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.strip().toLowerCase(Locale.ROOT);
        if (value.startsWith("[")) {
            int end = value.indexOf(']');
            return end < 0 ? null : value.substring(0, end + 1);
        }
        int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String cut = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
