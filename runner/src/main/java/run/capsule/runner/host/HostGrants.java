package run.capsule.runner.host;

import java.util.List;
import java.util.Locale;

/**
 * The network hosts an attempt may reach, from its {@code --allow-host} patterns: {@code api.example.com},
 * {@code *.example.com} (subdomains only), {@code *} (any host), each with an optional {@code :port}; without a
 * port any port matches. Only a pattern naming the host exactly (no wildcard) grants a non-public address.
 */
public final class HostGrants {
    private record Grant(String host, int port) {
        boolean matchesPort(int requested) {
            return port < 0 || port == requested;
        }

        boolean exact() {
            return !host.startsWith("*");
        }

        boolean matchesHost(String requested) {
            if (host.equals("*")) {
                return true;
            }
            if (host.startsWith("*.")) {
                return requested.endsWith(host.substring(1));
            }
            return host.equals(requested);
        }
    }

    private final List<Grant> grants;

    public HostGrants(List<String> patterns) {
        this.grants = patterns.stream().map(HostGrants::parse).toList();
    }

    private static Grant parse(String pattern) {
        String value = pattern.strip().toLowerCase(Locale.ROOT);
        int colon = value.lastIndexOf(':');
        if (colon > 0) {
            try {
                return new Grant(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
            } catch (NumberFormatException e) {
                return new Grant(value, -1);
            }
        }
        return new Grant(value, -1);
    }

    /** Whether some pattern grants this host and port. */
    public boolean allows(String host, int port) {
        String h = normalize(host);
        return grants.stream().anyMatch(g -> g.matchesHost(h) && g.matchesPort(port));
    }

    /** Whether a pattern names exactly this host (and port): needed to reach loopback, private and similar addresses. */
    public boolean allowsExactly(String host, int port) {
        String h = normalize(host);
        return grants.stream().anyMatch(g -> g.exact() && g.host().equals(h) && g.matchesPort(port));
    }

    public boolean isEmpty() {
        return grants.isEmpty();
    }

    private static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
