package run.capsule.engine.spec;

import java.time.Duration;
import java.util.Objects;

/** Resource limits of one task. Immutable; build with {@link #builder()}. */
public record Limits(Compute compute, long ramBytes, Duration timeout, long outputBytes, long writeQuotaBytes) {
    public static final long MAX_RAM_BYTES = 4L * 1024 * 1024 * 1024;
    public static final long MIN_RAM_BYTES = 64 * 1024;
    public static final long DEFAULT_WRITE_QUOTA_BYTES = 1L << 30;
    public static final Limits DEFAULT = builder().build();

    public Limits {
        Objects.requireNonNull(compute, "compute");
        Objects.requireNonNull(timeout, "timeout");
        if (ramBytes < MIN_RAM_BYTES || ramBytes > MAX_RAM_BYTES) {
            throw new InvalidInputException("ram must be between 64KB and 4GB (a 32-bit WebAssembly memory), got " + Sizes.format(ramBytes));
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout must be greater than zero");
        }
        if (outputBytes < 1) {
            throw new InvalidInputException("output limit must be at least one byte");
        }
        if (writeQuotaBytes < 0) {
            throw new InvalidInputException("write quota must not be negative");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().compute(compute).ramBytes(ramBytes).timeout(timeout).outputBytes(outputBytes).writeQuotaBytes(writeQuotaBytes);
    }

    public static final class Builder {
        private Compute compute = Compute.MEDIUM;
        private long ramBytes = 256L * 1024 * 1024;
        private Duration timeout = Duration.ofSeconds(60);
        private long outputBytes = 4L * 1024 * 1024;
        private long writeQuotaBytes = DEFAULT_WRITE_QUOTA_BYTES;

        public Builder compute(Compute compute) {
            this.compute = compute;
            return this;
        }

        public Builder ramBytes(long ramBytes) {
            this.ramBytes = ramBytes;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The most bytes of each of stdout and stderr kept; the rest is dropped and the result marked truncated. */
        public Builder outputBytes(long outputBytes) {
            this.outputBytes = outputBytes;
            return this;
        }

        /** The most bytes an attempt may write in total to its read-write grants (default 1 GiB); past it writes fail with ENOSPC. */
        public Builder writeQuotaBytes(long writeQuotaBytes) {
            this.writeQuotaBytes = writeQuotaBytes;
            return this;
        }

        public Limits build() {
            return new Limits(compute, ramBytes, timeout, outputBytes, writeQuotaBytes);
        }
    }
}
