package run.capsule.runner;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Gives an idle runner's unused heap back to the operating system. The serial collector shrinks the heap only at a full
 * collection, which a runner of short attempts never reaches, so after hello tasks an idle runner kept 60 MiB of heap for
 * about 9 MiB of live objects (issue 15: 139 MiB RSS against a goal of 120). When no attempt has come for
 * {@link #IDLE_MILLIS} after one ran, this runs one full collection on the attempt thread (an attempt arriving meanwhile
 * waits for it, a few milliseconds); with {@code -XX:-ShrinkHeapInSteps} (RunnerLauncher) that one collection shrinks the
 * heap to {@code MaxHeapFreeRatio}. A busy runner never waits that long between attempts, so it never collects this way.
 */
final class IdleHeapTrim {
    static final long IDLE_MILLIS = 2000;

    /** Start-up (the sandbox, the symlink canary) leaves garbage too. */
    private boolean ranSinceTrim = true;

    <T> T next(BlockingQueue<T> work) throws InterruptedException {
        if (ranSinceTrim) {
            T item = work.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS);
            if (item != null) {
                return item;
            }
            System.gc();
            ranSinceTrim = false;
        }
        T item = work.take();
        ranSinceTrim = true;
        return item;
    }
}
