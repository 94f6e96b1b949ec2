package run.capsule.engine.spec;

import java.time.Duration;
import java.util.Objects;

/**
 * What the operator allows a whole job (docs/security.md): the ceilings no task of it may declare beyond, whether the
 * source's declarations are trusted as they are ({@code trustDeclared}, the Capsule-compatible mode for code the
 * operator wrote), how deep child tasks may nest and how many unfinished children one task may have. The grants a
 * job's declarations must fall within are the spec's own mounts, hosts and environment variables.
 */
public record JobPolicy(Compute maxCompute, long maxRamBytes, Duration maxTimeout, boolean trustDeclared, int maxDepth,
                        int maxChildren, int maxRetries) {
    public static final Compute BUILT_IN_MAX_COMPUTE = Compute.HIGH;
    public static final long BUILT_IN_MAX_RAM_BYTES = 1024L * 1024 * 1024;
    public static final Duration BUILT_IN_MAX_TIMEOUT = Duration.ofHours(1);
    public static final int DEFAULT_MAX_DEPTH = 32;
    public static final int DEFAULT_MAX_CHILDREN = 1000;
    public static final int MAX_MAX_DEPTH = 1000;
    public static final int BUILT_IN_MAX_RETRIES = 10;
    /** The built-in ceilings, where the operator set none. */
    public static final JobPolicy DEFAULT = builder().build();

    public JobPolicy {
        Objects.requireNonNull(maxCompute, "maxCompute");
        Objects.requireNonNull(maxTimeout, "maxTimeout");
        if (maxDepth < 0 || maxDepth > MAX_MAX_DEPTH) {
            throw new InvalidInputException("max depth must be from 0 to " + MAX_MAX_DEPTH + ", got " + maxDepth);
        }
        if (maxChildren < 0) {
            throw new InvalidInputException("max children must not be negative, got " + maxChildren);
        }
        if (maxRetries < 0 || maxRetries > RetryPolicy.MAX_RETRIES) {
            throw new InvalidInputException("max retries must be from 0 to " + RetryPolicy.MAX_RETRIES + ", got " + maxRetries);
        }
    }

    /** A policy whose ceilings are exactly these limits: what a Java API spec that names its limits gets. */
    public static JobPolicy ceilingsAt(Limits limits) {
        return builder().maxCompute(limits.compute()).maxRamBytes(limits.ramBytes()).maxTimeout(limits.timeout()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxCompute(maxCompute).maxRamBytes(maxRamBytes).maxTimeout(maxTimeout).trustDeclared(trustDeclared)
                .maxDepth(maxDepth).maxChildren(maxChildren).maxRetries(maxRetries);
    }

    /** {@code limits} with each one above its ceiling lowered to it. */
    public Limits cap(Limits limits) {
        return limits.toBuilder()
                .compute(limits.compute().fuel() > maxCompute.fuel() ? maxCompute : limits.compute())
                .ramBytes(Math.min(limits.ramBytes(), maxRamBytes))
                .timeout(limits.timeout().compareTo(maxTimeout) > 0 ? maxTimeout : limits.timeout())
                .build();
    }

    /** These ceilings, each raised to {@code limits} where that is higher (what a trusted source declares). */
    public JobPolicy raisedTo(Limits defaults) {
        return toBuilder()
                .maxCompute(defaults.compute().fuel() > maxCompute.fuel() ? defaults.compute() : maxCompute)
                .maxRamBytes(Math.max(maxRamBytes, defaults.ramBytes()))
                .maxTimeout(defaults.timeout().compareTo(maxTimeout) > 0 ? defaults.timeout() : maxTimeout)
                .build();
    }

    public static final class Builder {
        private Compute maxCompute = BUILT_IN_MAX_COMPUTE;
        private long maxRamBytes = BUILT_IN_MAX_RAM_BYTES;
        private Duration maxTimeout = BUILT_IN_MAX_TIMEOUT;
        private boolean trustDeclared;
        private int maxDepth = DEFAULT_MAX_DEPTH;
        private int maxChildren = DEFAULT_MAX_CHILDREN;
        private int maxRetries = BUILT_IN_MAX_RETRIES;

        public Builder maxCompute(Compute maxCompute) {
            this.maxCompute = maxCompute;
            return this;
        }

        public Builder maxRamBytes(long maxRamBytes) {
            this.maxRamBytes = maxRamBytes;
            return this;
        }

        public Builder maxTimeout(Duration maxTimeout) {
            this.maxTimeout = maxTimeout;
            return this;
        }

        /** Runs what the source declares even beyond the ceilings and grants: only for code the operator wrote. */
        public Builder trustDeclared(boolean trustDeclared) {
            this.trustDeclared = trustDeclared;
            return this;
        }

        /** How deep child tasks may nest below the job's first task (default 32). */
        public Builder maxDepth(int maxDepth) {
            this.maxDepth = maxDepth;
            return this;
        }

        /** How many unfinished child tasks one task may have at once (default 1000). */
        public Builder maxChildren(int maxChildren) {
            this.maxChildren = maxChildren;
            return this;
        }

        /** The most retries any task of the job may declare (default 10). */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        public JobPolicy build() {
            return new JobPolicy(maxCompute, maxRamBytes, maxTimeout, trustDeclared, maxDepth, maxChildren, maxRetries);
        }
    }
}
