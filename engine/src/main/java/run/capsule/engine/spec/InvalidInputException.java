package run.capsule.engine.spec;

/** Bad input from the user: a file, module, flag value or configuration. The message is one line fit for a user. */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }
}
