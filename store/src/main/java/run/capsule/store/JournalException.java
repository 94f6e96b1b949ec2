package run.capsule.store;

/** A journal operation that could not be carried out; the message is fit for a user. */
public class JournalException extends RuntimeException {
    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
