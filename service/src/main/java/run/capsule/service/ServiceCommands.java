package run.capsule.service;

import run.capsule.engine.cli.CliCommands;

import java.util.List;

/** Adds {@code serve} to the {@code capsule} command (found through META-INF/services). */
public final class ServiceCommands implements CliCommands {
    @Override
    public List<Object> commands() {
        return List.of(new ServeCommand(), new run.capsule.service.mcp.McpCommand());
    }
}
