package run.capsule.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;

/** {@link Limits} as journaled in a task's {@code config} (docs/sql.md): the task's own, and its job's defaults. */
public final class LimitsJson {
    private LimitsJson() {
    }

    public static void write(ObjectNode node, Limits limits) {
        node.put("compute", limits.compute().level())
                .put("fuel", limits.compute().fuel())
                .put("ram_bytes", limits.ramBytes())
                .put("timeout_ms", limits.timeout().toMillis())
                .put("output_bytes", limits.outputBytes())
                .put("write_quota_bytes", limits.writeQuotaBytes());
    }

    /** The limits written by {@link #write}; a field a task journaled before it existed gets its default. */
    public static Limits read(JsonNode node) {
        return Limits.builder()
                .compute(compute(node))
                .timeout(Duration.ofMillis(node.path("timeout_ms").asLong(Limits.DEFAULT.timeout().toMillis())))
                .ramBytes(node.path("ram_bytes").asLong(Limits.DEFAULT.ramBytes()))
                .outputBytes(node.path("output_bytes").asLong(Limits.DEFAULT.outputBytes()))
                .writeQuotaBytes(node.path("write_quota_bytes").asLong(Limits.DEFAULT.writeQuotaBytes()))
                .build();
    }

    /** A journaled compute level, or the exact fuel of a {@code CUSTOM} one. */
    static Compute compute(JsonNode node) {
        String level = node.path("compute").asText("MEDIUM");
        return level.equals("CUSTOM") ? Compute.parse(Long.toString(node.path("fuel").asLong())) : Compute.parse(level);
    }
}
