package run.capsule.runner.sandbox;

import java.util.List;

/** What an instantiation or a call in a {@link ConformanceSession} came to: {@code ok} with values, {@code trap:NAME}, or {@code error}. */
public record Invocation(String kind, List<String> values) {
    public boolean ok() {
        return kind.equals("ok");
    }
}
