package run.capsule.runner.wasm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a wabt command-line tool (wast2json, wasm-validate, spectest-interp, wat2wasm) found on the PATH. */
final class ExternalTool {
    record Result(int exitCode, String stdout, String stderr) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    private ExternalTool() {
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static Result run(Path workingDirectory, String... command) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("capsule-tool", ".out");
        Path stderr = Files.createTempFile("capsule-tool", ".err");
        try {
            Process process = new ProcessBuilder(List.of(command)).directory(workingDirectory.toFile())
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), new String(Files.readAllBytes(stdout), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    /** Runs wasm-validate on the module when wabt is installed; a unit test's other checks stand without it. */
    static void assertValidIfWabtPresent(byte[] module) throws IOException, InterruptedException {
        if (!onPath("wasm-validate")) {
            return;
        }
        Path file = Files.createTempFile("capsule-module", ".wasm");
        try {
            Files.write(file, module);
            Result result = run(file.getParent(), "wasm-validate", file.toString());
            if (!result.succeeded()) {
                throw new AssertionError("wasm-validate rejects the module: " + result.stderr().strip());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static List<String> missing(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        return missing;
    }
}
