package run.capsule.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample of latencies in microseconds. */
record Percentiles(long p50, long p90, long p99, long max) {
    static Percentiles of(long[] micros) {
        long[] sorted = micros.clone();
        Arrays.sort(sorted);
        return new Percentiles(rank(sorted, 50), rank(sorted, 90), rank(sorted, 99), sorted[sorted.length - 1]);
    }

    private static long rank(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    String describeMillis() {
        return String.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms", p50 / 1000.0, p90 / 1000.0, p99 / 1000.0, max / 1000.0);
    }
}
