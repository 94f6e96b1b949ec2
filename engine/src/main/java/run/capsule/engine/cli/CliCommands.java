package run.capsule.engine.cli;

import java.util.List;

/**
 * Subcommands that other modules add to {@code capsule} (the service's {@code serve}, later {@code mcp}): implementations
 * are found with {@link java.util.ServiceLoader} ({@code META-INF/services/run.capsule.engine.cli.CliCommands}). Each
 * command is a picocli command object or class; a {@code @ParentCommand CapsuleCli} field gets the CLI, whose public
 * accessors give the working directory, environment, output streams and journal.
 */
public interface CliCommands {
    List<Object> commands();
}
