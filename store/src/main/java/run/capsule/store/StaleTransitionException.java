package run.capsule.store;

/** A status change was refused because the task was no longer in the state the caller expected. */
public class StaleTransitionException extends JournalException {
    public StaleTransitionException(String message) {
        super(message);
    }
}
