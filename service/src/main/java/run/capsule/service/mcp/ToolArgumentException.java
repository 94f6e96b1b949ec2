package run.capsule.service.mcp;

/** A tool call refused before anything ran: a one-line message that starts with the argument (or bound) it is about. */
final class ToolArgumentException extends RuntimeException {
    ToolArgumentException(String message) {
        super(message, null, false, false);
    }
}
