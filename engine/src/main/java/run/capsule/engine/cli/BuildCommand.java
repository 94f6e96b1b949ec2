package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;

import java.nio.file.Path;
import run.capsule.runner.guest.TypeScriptTool;
import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true, description = {
        "Prepares a Python (.py), JavaScript (.js) or TypeScript (.ts) source ahead of its first run: fetches and checks the interpreter,",
        "loads the source in a sandbox to list its tasks (reporting syntax errors and missing modules), and fills the",
        "rewrite and compile caches, so that a later 'capsule run' of the same file does no compile work."})
final class BuildCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Source files")
    java.util.List<String> files;

    @Option(names = "--json", description = "Print the report as one JSON object")
    boolean json;

    @Option(names = "--python-path", paramLabel = "DIR", description = "A directory of pure-Python packages a Python source may import (repeatable)")
    java.util.List<String> pythonPath = new java.util.ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        int status = CapsuleCli.OK;
        try (CapsuleClient capsule = cli.openClient()) {
            for (String file : files) {
                if (build(capsule, file) != CapsuleCli.OK) {
                    status = CapsuleCli.FAILED;
                }
            }
        }
        return status;
    }

    private int build(CapsuleClient capsule, String file) throws InterruptedException {
        Path source = cli.workingDir.resolve(file);
        Capsule.Build build;
        long started = System.nanoTime();
        try {
            build = capsule.build(source, TaskFlags.pythonPathDirs(pythonPath, ProjectConfig.load(cli.workingDir), cli.workingDir));
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            if (json) {
                cli.out.println(Json.write(Json.object().put("success", false).put("file", file).put("error", e.getMessage())));
            }
            return CapsuleCli.FAILED;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (json) {
            var report = Json.object().put("success", true).put("file", build.file()).put("language", build.language())
                    .put("source_sha256", build.sourceSha256()).put("cached", build.cached()).put("describe_ms", build.describeMs());
            build.tasks().forEach(report.putArray("tasks")::add);
            if (build.transpiled()) {
                report.putObject("typescript").put("stripper", TypeScriptTool.NPM_PACKAGE + "@" + TypeScriptTool.VERSION)
                        .put("transpile_ms", build.transpileMs());
            }
            if (!build.localModules().isEmpty()) {
                build.localModules().forEach(report.putArray("local_modules")::add);
            }
            cli.out.println(Json.write(report));
        } else if (build.cached()) {
            cli.out.println("✓ " + build.file() + " (" + build.language() + ") is already built: tasks " + TerminalText.line(String.join(", ", build.tasks()))
                    + modules(build) + transpile(build) + "; nothing to do (" + ms + " ms)");
        } else {
            cli.out.println("✓ built " + build.file() + " (" + build.language() + "): interpreter ready, source loaded and checked in "
                    + build.describeMs() + " ms, module rewritten and compiled into the cache; tasks " + TerminalText.line(String.join(", ", build.tasks()))
                    + modules(build) + transpile(build));
        }
        return CapsuleCli.OK;
    }

    private static String transpile(Capsule.Build build) {
        if (!build.transpiled()) {
            return "";
        }
        return "; TypeScript types stripped by " + TypeScriptTool.NPM_PACKAGE + "@" + TypeScriptTool.VERSION
                + (build.transpileMs() > 0 ? " in " + build.transpileMs() + " ms" : " (cached)");
    }

    private static String modules(Capsule.Build build) {
        return build.localModules().isEmpty() ? "" : "; local modules " + TerminalText.line(String.join(", ", build.localModules()));
    }
}
