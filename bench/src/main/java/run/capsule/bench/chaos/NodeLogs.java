package run.capsule.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** What a node's log says it went through: fenced late writes, failed claims and heartbeats, uncaught errors. */
final class NodeLogs {
    static final Map<String, Pattern> SIGNS = new LinkedHashMap<>();

    static {
        SIGNS.put("fenced results", Pattern.compile("result of attempt .* discarded"));
        SIGNS.put("claim errors", Pattern.compile("claiming failed"));
        SIGNS.put("heartbeat errors", Pattern.compile("heartbeat failed"));
        SIGNS.put("journal unreachable", Pattern.compile("journal unreachable"));
        SIGNS.put("journal back", Pattern.compile("journal reachable again"));
        SIGNS.put("engine errors", Pattern.compile("failed in the engine"));
        SIGNS.put("uncaught", Pattern.compile("Exception in thread"));
    }

    private NodeLogs() {
    }

    static Map<String, Integer> count(Path log) throws IOException {
        Map<String, Integer> counts = new LinkedHashMap<>();
        SIGNS.keySet().forEach(k -> counts.put(k, 0));
        if (!Files.exists(log)) {
            return counts;
        }
        try (var lines = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            lines.forEach(line -> SIGNS.forEach((name, p) -> {
                if (p.matcher(line).find()) {
                    counts.merge(name, 1, Integer::sum);
                }
            }));
        }
        return counts;
    }
}
