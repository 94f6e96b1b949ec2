package run.capsule.service.events;

import run.capsule.service.http.ApiError;
import run.capsule.service.http.Exchange;
import run.capsule.service.http.Json;
import run.capsule.store.FeedEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * {@code GET /api/v1/events}: Server-Sent Events of status transitions from the {@link EventHub}, {@code id:} being the
 * {@code task_events} id. Resumes after {@code Last-Event-ID} (or {@code ?after=}); an older position than the hub keeps
 * is read from the journal first. {@code ?tree=ROOT_ID} keeps one tree.
 */
public final class EventStream {
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final int BATCH = 500;
    private final EventHub hub;

    public EventStream(EventHub hub) {
        this.hub = hub;
    }

    public void stream(Exchange exchange) throws IOException {
        try {
            send(exchange);
        } catch (IOException e) {
            // the client went away: the stream ends
        } catch (InterruptedException e) {
            // the server is stopping
            Thread.currentThread().interrupt();
        }
    }

    private void send(Exchange exchange) throws IOException, InterruptedException {
        long after = start(exchange);
        String tree = exchange.query("tree");
        var response = exchange.response();
        response.setStatus(200);
        response.setContentType("text/event-stream; charset=utf-8");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        out.write(": capsule events\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (!Thread.currentThread().isInterrupted()) {
            List<FeedEvent> events = hub.after(after, BATCH);
            if (events == null) {
                long limit = hub.taken();
                events = hub.feed().after(after, BATCH, tree).stream().filter(e -> e.id() <= limit).toList();
                if (events.isEmpty()) {
                    after = limit;
                }
            }
            if (events.isEmpty()) {
                hub.await(after, KEEP_ALIVE);
                if (hub.taken() <= after) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (FeedEvent e : events) {
                after = e.id();
                if (tree == null || tree.equals(e.rootId()) || tree.equals(e.taskId())) {
                    text.append("id: ").append(e.id()).append("\nevent: transition\ndata: ")
                            .append(Json.MAPPER.writeValueAsString(run.capsule.service.api.Transitions.json(e))).append("\n\n");
                }
            }
            if (!text.isEmpty()) {
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
    }

    private long start(Exchange exchange) {
        String header = exchange.header("Last-Event-ID");
        String query = exchange.query("after");
        String given = header != null && !header.isBlank() ? header : query;
        if (given == null) {
            return hub.taken();
        }
        try {
            long id = Long.parseLong(given.strip());
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw ApiError.invalid((header != null ? "Last-Event-ID" : "after") + ": an event id (a whole number)");
        }
    }
}
