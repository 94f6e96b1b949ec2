package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import run.capsule.protocol.StepRecord;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The WASI readings that are steps (docs/steps.md): the realtime clock ({@code clock_time_get} of clock 0) and
 * {@code random_get}. Replayed, they read the journal; live, the host's clock and a {@link SecureRandom}, buffered
 * until the next step sent to the engine. The sandbox calls them only while {@link StepLog#tracks()}.
 */
public final class WasiSteps {
    static final String REALTIME = "realtime";
    static final String BYTES = "bytes";
    private static final String NO_REQUEST = "{}";

    private final StepLog steps;
    private final SecureRandom random = new SecureRandom();

    public WasiSteps(StepLog steps) {
        this.steps = steps;
    }

    /** Nanoseconds since the epoch, as a step. */
    public long realtimeNanos() throws HostCallException {
        StepLog.Step step = steps.ask(StepRecord.CLOCK, REALTIME, NO_REQUEST);
        if (step.replayed()) {
            return field(step.journaled(), "ns").asLong();
        }
        Instant now = Instant.now();
        long ns = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        if (step.tracked()) {
            steps.buffer(new StepRecord(step.stepNo(), StepRecord.CLOCK, REALTIME, NO_REQUEST, "{\"ns\":" + ns + "}", null, 0));
        }
        return ns;
    }

    /** {@code length} random bytes, as a step. */
    public byte[] randomBytes(int length) throws HostCallException {
        String request = "{\"len\":" + length + "}";
        StepLog.Step step = steps.ask(StepRecord.RANDOM, BYTES, request);
        if (step.replayed()) {
            byte[] bytes;
            try {
                bytes = HexFormat.of().parseHex(field(step.journaled(), "hex").asText());
            } catch (IllegalArgumentException e) {
                bytes = new byte[0];
            }
            if (bytes.length != length) {
                throw new HostCallException(ErrorType.INTERNAL_ERROR, "journaled step " + step.stepNo() + " holds " + bytes.length + " bytes, not " + length);
            }
            return bytes;
        }
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        if (step.tracked()) {
            steps.buffer(new StepRecord(step.stepNo(), StepRecord.RANDOM, BYTES, request,
                    "{\"hex\":\"" + HexFormat.of().formatHex(bytes) + "\"}", null, 0));
        }
        return bytes;
    }

    private static JsonNode field(StepRecord journaled, String name) throws HostCallException {
        try {
            JsonNode value = HostCallDispatcher.JSON.readTree(journaled.outcome()).get(name);
            if (value != null) {
                return value;
            }
        } catch (IOException | RuntimeException e) {
            // reported below
        }
        throw new HostCallException(ErrorType.INTERNAL_ERROR, "journaled step " + journaled.stepNo() + " has no \"" + name + "\"");
    }
}
