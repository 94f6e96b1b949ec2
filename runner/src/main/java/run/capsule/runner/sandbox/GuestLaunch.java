package run.capsule.runner.sandbox;

import run.capsule.protocol.Program;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.guest.JavaScriptModules;
import run.capsule.runner.guest.PythonLaunch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How a Python or JavaScript task is launched. A Python task becomes its interpreter's command line, with the guest
 * library extracted and compiled by that interpreter on first use; a JavaScript task gets a QuickJS driver that writes
 * its console to the output files itself (docs/languages.md).
 */
final class GuestLaunch {
    private final Path cacheDir;
    private PythonLaunch pythonLaunch;

    GuestLaunch(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    static boolean runsPython(RunAttempt request) {
        return request.program() != null && Program.PYTHON.equals(request.program().language());
    }

    static boolean runsJavaScript(RunAttempt request) {
        return request.program() != null && Program.JAVASCRIPT.equals(request.program().language());
    }

    /** The attempt that runs a Python task: its interpreter with the guest library; {@code compiler} runs the library's compile steps. */
    RunAttempt pythonCommand(RunAttempt request, PythonLaunch.Runner compiler) throws IOException {
        if (pythonLaunch == null || !pythonLaunch.servesInterpreterOf(request)) {
            pythonLaunch = PythonLaunch.in(cacheDir, request, compiler);
        }
        return pythonLaunch.command(request, compiler);
    }

    /** The driver of a JavaScript task, writing its console to the attempt's output files (capped). */
    static QuickJsDriver javaScriptDriver(RunAttempt request, Forwarders forwarders, OutputFile stdout, OutputFile stderr)
            throws JavaScriptModules.Refused, IOException {
        return new QuickJsDriver(new JavaScriptModules(request.program()), forwarders.quickJsStubs,
                new CappedOutput(stdout.path(), request.outputLimitBytes()), new CappedOutput(stderr.path(), request.outputLimitBytes()));
    }

    /** Progress of the interpreter's own compile steps before an attempt: only their module compiles are told. */
    static WasmSandbox.Progress compilingOnly(WasmSandbox.Progress progress) {
        return new WasmSandbox.Progress() {
            @Override
            public void compiling() {
                progress.compiling();
            }

            @Override
            public void started() {
            }
        };
    }
}
