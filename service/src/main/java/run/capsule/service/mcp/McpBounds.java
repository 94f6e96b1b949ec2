package run.capsule.service.mcp;

import run.capsule.engine.spec.Compute;
import run.capsule.service.config.GrantBounds;

import java.time.Duration;

/**
 * The operator's bounds for MCP clients: the service's {@link GrantBounds} (no host directories, server variables or
 * hosts unless granted) with limits no higher than the MCP ceilings, by default compute MEDIUM, ram 256MB, timeout 60s.
 */
public final class McpBounds {
    public static final Compute DEFAULT_MAX_COMPUTE = Compute.MEDIUM;
    public static final long DEFAULT_MAX_RAM_BYTES = 256L * 1024 * 1024;
    public static final Duration DEFAULT_MAX_TIMEOUT = Duration.ofSeconds(60);

    private McpBounds() {
    }

    /** The bounds with the MCP defaults as limit ceilings and nothing grantable. */
    public static GrantBounds defaults() {
        return capped(GrantBounds.NONE);
    }

    /** {@code bounds} with each limit ceiling lowered to the MCP default when it is higher (what /mcp of capsule serve uses). */
    public static GrantBounds capped(GrantBounds bounds) {
        Compute compute = bounds.maxCompute().fuel() > DEFAULT_MAX_COMPUTE.fuel() ? DEFAULT_MAX_COMPUTE : bounds.maxCompute();
        long ram = Math.min(bounds.maxRamBytes(), DEFAULT_MAX_RAM_BYTES);
        Duration timeout = bounds.maxTimeout().compareTo(DEFAULT_MAX_TIMEOUT) > 0 ? DEFAULT_MAX_TIMEOUT : bounds.maxTimeout();
        return new GrantBounds(bounds.dirs(), bounds.envNames(), bounds.hosts(), compute, ram, timeout, bounds.maxRetries(),
                bounds.maxDepth(), bounds.maxChildren(), bounds.writeQuotaBytes());
    }
}
