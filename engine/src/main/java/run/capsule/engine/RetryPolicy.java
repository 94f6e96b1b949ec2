package run.capsule.engine;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how patiently a failed task is tried again: {@code maxRetries} further attempts, waiting
 * {@code initialBackoff × multiplier^(n-1)} before retry n, capped at {@code maxBackoff}.
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, double multiplier, Duration maxBackoff) {
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5));
    public static final int MAX_RETRIES = 100;

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new InvalidInputException("max retries must be between 0 and " + MAX_RETRIES + ", got " + maxRetries);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || multiplier < 1.0) {
            throw new InvalidInputException("backoff must not be negative and the multiplier must be at least 1");
        }
    }

    public static RetryPolicy retries(int maxRetries) {
        return new RetryPolicy(maxRetries, NONE.initialBackoff, NONE.multiplier, NONE.maxBackoff);
    }

    public RetryPolicy withBackoff(Duration initial, double multiplier, Duration max) {
        return new RetryPolicy(maxRetries, initial, multiplier, max);
    }

    /** The wait before retry number {@code retry} (1-based). */
    public Duration backoffBefore(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
    }
}
