package run.capsule.service;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * A yes/no check answered within a bound: a check still running when the bound passes counts as "no". At most one runs
 * at a time; callers that arrive meanwhile wait for the same one, so a hung journal does not pile up probe threads.
 */
final class BoundedCheck {
    private final BooleanSupplier check;
    private final Duration bound;
    private final String threadName;
    private final AtomicReference<CompletableFuture<Boolean>> running = new AtomicReference<>();

    BoundedCheck(BooleanSupplier check, Duration bound, String threadName) {
        this.check = check;
        this.bound = bound;
        this.threadName = threadName;
    }

    boolean passes() {
        CompletableFuture<Boolean> current = running.get();
        while (current == null || current.isDone()) {
            CompletableFuture<Boolean> fresh = new CompletableFuture<>();
            if (running.compareAndSet(current, fresh)) {
                start(fresh);
                current = fresh;
            } else {
                current = running.get();
            }
        }
        try {
            return current.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void start(CompletableFuture<Boolean> result) {
        Thread thread = new Thread(() -> {
            try {
                result.complete(check.getAsBoolean());
            } catch (RuntimeException e) {
                result.complete(false);
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
    }
}
