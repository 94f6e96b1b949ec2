package run.capsule.runner.wasm;

/** The bytes are not a module Capsule can run; the message says why in one line. */
public class InvalidModuleException extends Exception {
    public InvalidModuleException(String message) {
        super(message);
    }
}
