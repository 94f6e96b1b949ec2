package run.capsule.runner.host;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/** A response body kept up to a cap: the rest is not read (the exchange is cancelled) and the body marked truncated. */
final class CappedBody implements HttpResponse.BodySubscriber<CappedBody.Body> {
    record Body(byte[] bytes, boolean truncated) {
    }

    private final int cap;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<Body> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    CappedBody(int cap) {
        this.cap = cap;
    }

    @Override
    public CompletionStage<Body> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        for (ByteBuffer item : items) {
            int room = cap - out.size();
            int n = Math.min(room, item.remaining());
            byte[] chunk = new byte[n];
            item.get(chunk);
            out.write(chunk, 0, n);
            if (item.hasRemaining()) {
                subscription.cancel();
                body.complete(new Body(out.toByteArray(), true));
                return;
            }
        }
        subscription.request(1);
    }

    @Override
    public void onError(Throwable error) {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        body.complete(new Body(out.toByteArray(), false));
    }
}
