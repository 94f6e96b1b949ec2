package run.capsule.engine.cli;

import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;
import java.util.Optional;

/** The one-line answer to a mistyped command ({@code capsule histroy}), with picocli's nearest command name. */
final class UnknownCommand {
    private UnknownCommand() {
    }

    /** The line to print when {@code ex} is an unknown command given to {@code capsule} itself; empty otherwise. */
    static Optional<String> message(ParameterException ex) {
        if (!(ex instanceof UnmatchedArgumentException unmatched) || unmatched.isUnknownOption()
                || !(ex.getCommandLine().getCommand() instanceof CapsuleCli) || unmatched.getUnmatched().isEmpty()) {
            return Optional.empty();
        }
        String typed = TerminalText.line(unmatched.getUnmatched().get(0));
        List<String> suggestions = unmatched.getSuggestions();
        return Optional.of("capsule: unknown command '" + typed + "'"
                + (suggestions.isEmpty() ? "; see 'capsule --help'" : "; did you mean '" + suggestions.get(0) + "'?"));
    }
}
