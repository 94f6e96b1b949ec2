package run.capsule.service.config;

import run.capsule.engine.spec.Compute;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.HostPattern;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.Limits;
import run.capsule.engine.spec.MountSpec;
import run.capsule.engine.spec.Sizes;
import run.capsule.service.http.ApiError;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What the operator lets API clients grant and ask for ({@code [serve]} in capsule.toml, or serve's flags;
 * docs/security.md, Service): host directories a task may mount ({@code grant_dirs}, each {@code DIR} or {@code DIR:ro}),
 * server environment variables it may read ({@code grant_env}), hosts it may reach ({@code grant_hosts}), and the highest
 * limits. By default nothing may be granted and the limits are the built-in ceilings. A request beyond is 403.
 */
public record GrantBounds(List<GrantDir> dirs, Set<String> envNames, List<HostPattern> hosts, Compute maxCompute, long maxRamBytes,
                          Duration maxTimeout, int maxRetries, int maxDepth, int maxChildren, long writeQuotaBytes) {
    public static final GrantBounds NONE = new GrantBounds(List.of(), Set.of(), List.of(), JobPolicy.BUILT_IN_MAX_COMPUTE,
            JobPolicy.BUILT_IN_MAX_RAM_BYTES, JobPolicy.BUILT_IN_MAX_TIMEOUT, JobPolicy.BUILT_IN_MAX_RETRIES, JobPolicy.DEFAULT_MAX_DEPTH,
            JobPolicy.DEFAULT_MAX_CHILDREN, Limits.DEFAULT_WRITE_QUOTA_BYTES);

    /** A directory API clients may mount (its subdirectories too), read-only when {@code readOnly}. */
    public record GrantDir(Path dir, boolean readOnly) {
    }

    public GrantBounds {
        dirs = List.copyOf(dirs);
        envNames = Set.copyOf(envNames);
        hosts = List.copyOf(hosts);
    }

    /** The job policy of an API-submitted task: these ceilings, declarations never trusted beyond them. */
    public JobPolicy policy() {
        return JobPolicy.builder().maxCompute(maxCompute).maxRamBytes(maxRamBytes).maxTimeout(maxTimeout).maxRetries(maxRetries)
                .maxDepth(maxDepth).maxChildren(maxChildren).trustDeclared(false).build();
    }

    public void checkLimits(Limits limits, int retries) {
        if (limits.compute().fuel() > maxCompute.fuel()) {
            throw ApiError.forbidden("limits.compute: " + limits.compute().fuel() + " fuel is above the server's max_compute ("
                    + maxCompute.fuel() + ")");
        }
        if (limits.ramBytes() > maxRamBytes) {
            throw ApiError.forbidden("limits.ram: " + Sizes.format(limits.ramBytes()) + " is above the server's max_ram (" + Sizes.format(maxRamBytes) + ")");
        }
        if (limits.timeout().compareTo(maxTimeout) > 0) {
            throw ApiError.forbidden("limits.timeout: " + Durations.format(limits.timeout()) + " is above the server's max_timeout ("
                    + Durations.format(maxTimeout) + ")");
        }
        if (retries > maxRetries) {
            throw ApiError.forbidden("limits.max_retries: " + retries + " is above the server's max_retries (" + maxRetries + ")");
        }
        if (limits.writeQuotaBytes() > writeQuotaBytes) {
            throw ApiError.forbidden("limits.write_quota: " + Sizes.format(limits.writeQuotaBytes()) + " is above the server's write_quota ("
                    + Sizes.format(writeQuotaBytes) + ")");
        }
    }

    public void checkMount(MountSpec mount) {
        for (GrantDir grant : dirs) {
            if (mount.hostPath().startsWith(grant.dir()) && (mount.readOnly() || !grant.readOnly())) {
                return;
            }
        }
        throw ApiError.forbidden("grants.mounts: " + mount.hostPath() + (mount.readOnly() ? " (ro)" : " (rw)")
                + " is not inside a directory the server lets API clients grant ([serve] grant_dirs"
                + (dirs.isEmpty() ? ", empty: no mounts" : "") + ")");
    }

    public void checkEnv(String name) {
        if (!envNames.contains(name)) {
            throw ApiError.forbidden("grants.env: " + name + " is not an environment variable the server lets API clients grant ([serve] grant_env"
                    + (envNames.isEmpty() ? ", empty: none" : "") + ")");
        }
    }

    public void checkHost(HostPattern requested) {
        for (HostPattern allowed : hosts) {
            if (covers(allowed.pattern(), requested.pattern())) {
                return;
            }
        }
        throw ApiError.forbidden("grants.hosts: " + requested.pattern() + " is not covered by the hosts the server lets API clients grant"
                + " ([serve] grant_hosts" + (hosts.isEmpty() ? ", empty: none" : "") + ")");
    }

    /** Whether operator pattern {@code allowed} covers every host and port that {@code requested} lets a task reach. */
    static boolean covers(String allowed, String requested) {
        String[] a = splitPort(allowed);
        String[] r = splitPort(requested);
        if (a[1] != null && !a[1].equals(r[1])) {
            return false;
        }
        String host = r[0];
        String pattern = a[0];
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1);
            return host.endsWith(suffix) && !host.equals("*");
        }
        return pattern.equals(host);
    }

    private static String[] splitPort(String pattern) {
        int colon = pattern.lastIndexOf(':');
        if (colon > 0 && !pattern.endsWith("]") && pattern.substring(colon + 1).matches("\\d+")) {
            return new String[] {pattern.substring(0, colon), pattern.substring(colon + 1)};
        }
        return new String[] {pattern, null};
    }

}
