package run.capsule.engine.spec;

import run.capsule.protocol.ErrorType;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a failed task is tried again: {@code maxRetries} further attempts, waiting
 * {@code initialBackoff × multiplier^(n-1)} before retry n, capped at {@code maxBackoff}, spread by ±{@code jitter}
 * (a fraction), never for the error types in {@code neverRetry}.
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, double multiplier, Duration maxBackoff, double jitter,
                          Set<ErrorType> neverRetry) {
    public static final Set<ErrorType> DEFAULT_NEVER_RETRY = Set.copyOf(EnumSet.of(ErrorType.INVALID_INPUT, ErrorType.CANCELLED, ErrorType.NONDETERMINISM,
            ErrorType.LIMIT_EXCEEDED));
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.1, DEFAULT_NEVER_RETRY);
    public static final int MAX_RETRIES = 100;

    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        neverRetry = Set.copyOf(neverRetry);
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new InvalidInputException("max retries must be between 0 and " + MAX_RETRIES + ", got " + maxRetries);
        }
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || multiplier < 1.0) {
            throw new InvalidInputException("backoff must not be negative and the multiplier must be at least 1");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new InvalidInputException("jitter must be a fraction from 0 (none) to below 1");
        }
    }

    public static RetryPolicy retries(int maxRetries) {
        return NONE.withMaxRetries(maxRetries);
    }

    public RetryPolicy withMaxRetries(int n) {
        return new RetryPolicy(n, initialBackoff, multiplier, maxBackoff, jitter, neverRetry);
    }

    public RetryPolicy withBackoff(Duration initial, double multiplier, Duration max) {
        return new RetryPolicy(maxRetries, initial, multiplier, max, jitter, neverRetry);
    }

    public RetryPolicy withJitter(double fraction) {
        return new RetryPolicy(maxRetries, initialBackoff, multiplier, maxBackoff, fraction, neverRetry);
    }

    public RetryPolicy withNeverRetry(Set<ErrorType> types) {
        return new RetryPolicy(maxRetries, initialBackoff, multiplier, maxBackoff, jitter, types);
    }

    /** Whether an attempt that failed with {@code type}, the {@code failures}-th failure of its task, is retried. */
    public boolean retries(ErrorType type, int failures) {
        return !neverRetry.contains(type) && failures <= maxRetries;
    }

    /** The nominal wait before retry number {@code retry} (1-based), without jitter. */
    public Duration backoffBefore(int retry) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, retry - 1));
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
    }

    /** The wait before retry number {@code retry}, with jitter applied. */
    public Duration delayBefore(int retry) {
        long nominal = backoffBefore(retry).toMillis();
        if (jitter == 0 || nominal == 0) {
            return Duration.ofMillis(nominal);
        }
        double factor = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.round(nominal * factor));
    }
}
