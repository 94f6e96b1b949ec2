package run.capsule.engine;

import org.junit.jupiter.api.Test;
import run.capsule.protocol.ErrorType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue #12: every error type string of the Java code comes from {@link ErrorType}, none is spelled out again. */
class ErrorTypeLiteralsTest {
    /**
     * {@code "timeout"} is also the name of a field everywhere (task options, limits, HTTP requests, tool arguments), and
     * {@code "cancelled"} of a count in the stats: those two are not searched for; their error types are typed anyway.
     */
    private static final Set<String> ALSO_FIELD_NAMES = Set.of("timeout", "cancelled");

    @Test
    void noMainSourceSpellsAnErrorTypeOutside() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        String names = Arrays.stream(ErrorType.values()).map(ErrorType::wireName).filter(n -> !ALSO_FIELD_NAMES.contains(n))
                .collect(Collectors.joining("|"));
        Pattern literal = Pattern.compile("\"(" + names + ")\"");
        List<String> found = new ArrayList<>();
        for (String module : List.of("store", "protocol", "runner", "engine", "service")) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    if (file.endsWith(Path.of("protocol", "ErrorType.java"))) {
                        continue;
                    }
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        String line = lines.get(i);
                        Matcher m = literal.matcher(line);
                        if (m.find()) {
                            found.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        assertThat(found).as("error type strings outside ErrorType").isEmpty();
    }

    @Test
    void outcomesAndHostCallRepliesAreTold() {
        assertThat(ErrorType.FUEL_EXHAUSTED.isOutcome()).isTrue();
        assertThat(ErrorType.SUSPENDED.isOutcome()).isTrue();
        assertThat(ErrorType.NOT_ALLOWED.isOutcome()).isFalse();
        assertThat(ErrorType.fromWire("limit_exceeded")).isEqualTo(ErrorType.LIMIT_EXCEEDED);
        assertThat(ErrorType.LIMIT_EXCEEDED.retryable()).isFalse();
        assertThat(ErrorType.TASK_ERROR.retryable()).isTrue();
    }
}
