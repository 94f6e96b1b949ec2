package run.capsule.engine.cli;

/** A node declines a hand-off; the CLI then runs the command itself, as if no node were running. */
final class HandOffRefusedException extends RuntimeException {
    HandOffRefusedException(String message) {
        super(message);
    }
}
