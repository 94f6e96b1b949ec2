package run.capsule.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** /readyz's journal probe: a hung check is a "no" after the bound, and never more than one check runs at once. */
class BoundedCheckTest {
    @Test
    void aCheckThatHangsIsANoAfterTheBoundAndProbesShareTheRunningCheck() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        BoundedCheck check = new BoundedCheck(() -> {
            started.incrementAndGet();
            try {
                return release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return false;
            }
        }, Duration.ofMillis(200), "test-probe");

        ExecutorService probes = Executors.newFixedThreadPool(8);
        try {
            Future<?>[] answers = new Future<?>[8];
            for (int i = 0; i < answers.length; i++) {
                answers[i] = probes.submit(check::passes);
            }
            for (Future<?> answer : answers) {
                // each probe gives up after its bound: get() would wait the 60 s of the hung check otherwise
                assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(false);
            }
            assertThat(started.get()).isEqualTo(1);

            release.countDown();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(check::passes);
            assertThat(started.get()).isGreaterThanOrEqualTo(1);
        } finally {
            probes.shutdownNow();
        }
    }

    @Test
    void aFailingCheckIsANo() {
        assertThat(new BoundedCheck(() -> {
            throw new IllegalStateException("journal down");
        }, Duration.ofSeconds(1), "test-probe").passes()).isFalse();
        assertThat(new BoundedCheck(() -> true, Duration.ofSeconds(1), "test-probe").passes()).isTrue();
    }
}
