package run.capsule.engine.cli;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code capsule run} or {@code capsule submit} hands to a running node: its command line, working directory and
 * environment exactly as the CLI process has them, the Capsule code it was started from and its default charset. The
 * node runs that command line as the CLI would have, so every flag, default and refusal is the CLI's own.
 */
record HandOffRequest(List<String> argv, Path workingDir, Map<String, String> env, String code, String charset) {
    static final int VERSION = 1;

    HandOffRequest {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    /** A request of this process. */
    static HandOffRequest of(String[] argv, Path workingDir, Map<String, String> env) {
        return new HandOffRequest(List.of(argv), workingDir, env, codeLocation(), Charset.defaultCharset().name());
    }

    /** Where this process's Capsule classes come from (the jar): a node of other code refuses a hand-off. */
    static String codeLocation() {
        try {
            return String.valueOf(HandOffRequest.class.getProtectionDomain().getCodeSource().getLocation());
        } catch (RuntimeException e) {
            return "";
        }
    }

    String toLine() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("capsule", VERSION);
        line.put("argv", argv);
        line.put("cwd", workingDir.toString());
        line.put("env", env);
        line.put("code", code);
        line.put("charset", charset);
        return JsonLine.write(line);
    }

    /** Parses a request line; {@link IllegalArgumentException} names what is wrong with it. */
    static HandOffRequest parse(String line) {
        Map<String, Object> fields = JsonLine.read(line);
        if (!Long.valueOf(VERSION).equals(fields.get("capsule"))) {
            throw new IllegalArgumentException("unknown hand-off version " + fields.get("capsule"));
        }
        Path cwd = Path.of(text(fields, "cwd"));
        if (!cwd.isAbsolute()) {
            throw new IllegalArgumentException("cwd must be an absolute path");
        }
        return new HandOffRequest(strings(fields.get("argv")), cwd, stringMap(fields.get("env")), text(fields, "code"), text(fields, "charset"));
    }

    private static String text(Map<String, Object> fields, String name) {
        if (fields.get(name) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(name + " must be a string");
    }

    private static List<String> strings(Object value) {
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new IllegalArgumentException("argv must be an array of strings");
    }

    private static Map<String, String> stringMap(Object value) {
        if (value instanceof Map<?, ?> map && map.values().stream().allMatch(String.class::isInstance)) {
            Map<String, String> env = new LinkedHashMap<>();
            map.forEach((k, v) -> env.put((String) k, (String) v));
            return env;
        }
        throw new IllegalArgumentException("env must be an object of strings");
    }
}
