package run.capsule.runner;

import run.capsule.runner.sandbox.OutputFile;
import run.capsule.runner.sandbox.WasmSandbox;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Polls the guest's output files while an attempt runs: forwards new stderr text when asked to stream it, and
 * reports a flood (an output file past {@code floodBytes}) so the runner can stop a guest that would fill the disk.
 */
final class OutputWatcher implements WasmSandbox.StreamWatcher {
    private static final long POLL_MS = 25;
    private final boolean streamStderr;
    private final long streamCap;
    private final long floodBytes;
    private final Consumer<String> stderrSink;
    private final LongConsumer onFlood;
    private volatile boolean running;
    private Thread thread;
    private OutputFile stderr;

    OutputWatcher(boolean streamStderr, long streamCap, long floodBytes, Consumer<String> stderrSink, LongConsumer onFlood) {
        this.streamStderr = streamStderr;
        this.streamCap = streamCap;
        this.floodBytes = floodBytes;
        this.stderrSink = stderrSink;
        this.onFlood = onFlood;
    }

    @Override
    public void start(OutputFile stdout, OutputFile stderr) {
        this.stderr = stderr;
        running = true;
        thread = new Thread(() -> watch(stdout, stderr), "capsule-output-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(OutputFile stdout, OutputFile stderr) {
        while (running) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
            long largest = Math.max(stdout.size(), stderr.size());
            if (largest > floodBytes) {
                onFlood.accept(largest);
                return;
            }
            forwardStderr();
        }
    }

    private void forwardStderr() {
        if (!streamStderr) {
            return;
        }
        try {
            String text = stderr.drainNew(streamCap);
            if (text != null) {
                stderrSink.accept(text);
            }
        } catch (IOException ignored) {
            // the final result carries the captured stderr anyway
        }
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            forwardStderr();
        }
    }
}
