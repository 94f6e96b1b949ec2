package run.capsule.engine.cli;

import run.capsule.engine.spec.TaskListener;

import java.io.PrintStream;

/** Prints the task lifecycle and the guest's stderr as they happen. */
final class VerboseListener implements TaskListener {
    private final PrintStream err;
    private final StringBuilder partialLine = new StringBuilder();

    VerboseListener(PrintStream err) {
        this.err = err;
    }

    @Override
    public void submitted(String taskId, String taskName) {
        err.println("[capsule] submitted " + TerminalText.line(taskName) + " as task " + taskId);
    }

    @Override
    public void attemptStarted(String taskId, int attemptNo, long runnerPid) {
        err.println("[capsule] attempt " + attemptNo + " started on runner " + runnerPid);
    }

    @Override
    public synchronized void guestStderr(String taskId, int attemptNo, String text) {
        partialLine.append(text);
        int newline;
        while ((newline = partialLine.indexOf("\n")) >= 0) {
            err.println("[guest] " + TerminalText.block(partialLine.substring(0, newline)));
            partialLine.delete(0, newline + 1);
        }
    }

    @Override
    public synchronized void attemptFinished(String taskId, int attemptNo, String status, String errorType, String message, long durationMs) {
        if (partialLine.length() > 0) {
            err.println("[guest] " + TerminalText.block(partialLine.toString()));
            partialLine.setLength(0);
        }
        err.println("[capsule] attempt " + attemptNo + " finished " + status + " in " + durationMs + " ms"
                + (errorType == null ? "" : ": " + TerminalText.line(errorType) + ": " + TerminalText.line(message)));
    }

    @Override
    public void retryScheduled(String taskId, int nextAttemptNo, long delayMs) {
        err.println("[capsule] attempt " + nextAttemptNo + " in " + delayMs + " ms");
    }
}
