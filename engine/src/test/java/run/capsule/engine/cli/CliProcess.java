package run.capsule.engine.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code capsule} command run as its own JVM on the tests' class path, its output (both streams) in {@code log}. */
public final class CliProcess {
    private CliProcess() {
    }

    public static Process start(Path log, String... args) throws IOException {
        return builder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The command {@code capsule ARGS} as its own JVM, not yet started. */
    public static ProcessBuilder builder(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CapsuleCli.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }
}
