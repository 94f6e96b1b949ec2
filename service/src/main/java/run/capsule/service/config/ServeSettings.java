package run.capsule.service.config;

import java.nio.file.Path;
import java.util.Set;

/**
 * How {@code capsule serve} runs: where it listens, its runners, its token file (null: no tokens, loopback only), the
 * request body cap, the Host names and Origins it accepts besides its own, and what API clients may grant.
 */
public record ServeSettings(String bind, int port, int runners, Path tokenFile, long maxBodyBytes, Set<String> allowedHosts,
                            Set<String> allowedOrigins, GrantBounds bounds) {
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 7070;
    public static final long DEFAULT_MAX_BODY = 16L * 1024 * 1024;

    public ServeSettings {
        allowedHosts = Set.copyOf(allowedHosts);
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /** Loopback defaults: port 0 picks a free port (tests). */
    public static ServeSettings loopback(int port, int runners) {
        return new ServeSettings(DEFAULT_BIND, port, runners, null, DEFAULT_MAX_BODY, Set.of(), Set.of(), GrantBounds.NONE);
    }

    public ServeSettings withTokenFile(Path file) {
        return new ServeSettings(bind, port, runners, file, maxBodyBytes, allowedHosts, allowedOrigins, bounds);
    }

    public ServeSettings withBounds(GrantBounds newBounds) {
        return new ServeSettings(bind, port, runners, tokenFile, maxBodyBytes, allowedHosts, allowedOrigins, newBounds);
    }

    public ServeSettings withMaxBody(long bytes) {
        return new ServeSettings(bind, port, runners, tokenFile, bytes, allowedHosts, allowedOrigins, bounds);
    }

    public ServeSettings withAllowedHosts(Set<String> hosts) {
        return new ServeSettings(bind, port, runners, tokenFile, maxBodyBytes, hosts, allowedOrigins, bounds);
    }

    public ServeSettings withBind(String address) {
        return new ServeSettings(address, port, runners, tokenFile, maxBodyBytes, allowedHosts, allowedOrigins, bounds);
    }
}
