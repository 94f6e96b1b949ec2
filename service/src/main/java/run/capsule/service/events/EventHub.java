package run.capsule.service.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.EventFeed;
import run.capsule.store.FeedEvent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One reader of {@code task_events} for the whole server: polls the journal every {@link #POLL} for rows after the last
 * it took, keeps the newest {@link #CAPACITY} in memory for the streams, and wakes them. Ids are taken in order: when an
 * id is missing (a transaction that took it has not committed yet), the rows after it wait up to {@link #GAP_WAIT} for
 * it, so that a stream never sends an id and later one below it; after that the id is taken as never coming (a rollback).
 */
public final class EventHub implements AutoCloseable {
    static final Duration POLL = Duration.ofMillis(100);
    static final Duration GAP_WAIT = Duration.ofSeconds(2);
    static final int CAPACITY = 10_000;
    private static final Logger log = LoggerFactory.getLogger(EventHub.class);
    private final EventFeed feed;
    private final ArrayDeque<FeedEvent> recent = new ArrayDeque<>();
    private final List<Consumer<FeedEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private long taken;
    /** Events with ids above this and up to {@link #taken} are all in {@link #recent}. */
    private long keptAbove;
    private long gapSince;
    private volatile boolean closed;

    public EventHub(EventFeed feed) {
        this.feed = feed;
        this.taken = feed.latestId();
        this.keptAbove = taken;
        this.poller = new Thread(this::run, "capsule-event-hub");
        this.poller.setDaemon(true);
        this.poller.start();
    }

    /** Called on the hub's thread for each event taken, in id order. */
    public void onEvent(Consumer<FeedEvent> listener) {
        listeners.add(listener);
    }

    /** The id up to which events have been taken (every later stream position starts here or below). */
    public synchronized long taken() {
        return taken;
    }

    public EventFeed feed() {
        return feed;
    }

    /**
     * Taken events with ids above {@code after}, at most {@code max}; null when {@code after} is older than what is kept
     * (the caller reads those from the journal).
     */
    public synchronized List<FeedEvent> after(long after, int max) {
        if (after >= taken) {
            return List.of();
        }
        if (after < keptAbove) {
            return null;
        }
        List<FeedEvent> out = new ArrayList<>();
        for (FeedEvent e : recent) {
            if (e.id() > after) {
                out.add(e);
                if (out.size() == max) {
                    break;
                }
            }
        }
        return out;
    }

    /** Waits until events after {@code after} are taken, or {@code timeout} passes. */
    public synchronized void await(long after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (taken <= after && !closed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private void run() {
        while (!closed) {
            try {
                poll();
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("reading task events: {}", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    void poll() {
        long from = taken();
        List<FeedEvent> batch = feed.after(from, 1000, null);
        List<FeedEvent> accepted = new ArrayList<>();
        long next = from;
        for (FeedEvent e : batch) {
            if (e.id() != next + 1) {
                long now = System.nanoTime();
                if (gapSince == 0) {
                    gapSince = now;
                }
                if (now - gapSince < GAP_WAIT.toNanos()) {
                    break;
                }
            }
            gapSince = 0;
            accepted.add(e);
            next = e.id();
        }
        if (accepted.isEmpty()) {
            return;
        }
        synchronized (this) {
            for (FeedEvent e : accepted) {
                recent.addLast(e);
                if (recent.size() > CAPACITY) {
                    keptAbove = recent.removeFirst().id();
                }
            }
            taken = next;
            notifyAll();
        }
        for (FeedEvent e : accepted) {
            for (Consumer<FeedEvent> listener : listeners) {
                try {
                    listener.accept(e);
                } catch (RuntimeException ex) {
                    log.warn("event listener failed: {}", ex.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        synchronized (this) {
            notifyAll();
        }
    }
}
