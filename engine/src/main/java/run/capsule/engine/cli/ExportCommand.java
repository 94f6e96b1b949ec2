package run.capsule.engine.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.ExportedTree;
import run.capsule.store.JournalException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "Writes whole task trees (tasks, attempts, events, steps, host requests, labels, output, modules) as JSON lines,",
        "one tree per line, oldest first: for archiving before a prune or loading into another system. See docs/sql.md, \"Export\"."})
final class ExportCommand implements Callable<Integer> {
    static final String FORMAT = "capsule-tree/1";

    @ParentCommand
    CapsuleCli cli;

    @Option(names = "--since", paramLabel = "AGE|TIME", description = "Trees whose root was created at or after this: an age (7d) or a time (2026-11-01)")
    String since;

    @Option(names = "--until", paramLabel = "AGE|TIME", description = "Trees whose root was created before this")
    String until;

    @Option(names = "--format", paramLabel = "FORMAT", description = "jsonl (the only one)")
    String format = "jsonl";

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout")
    Path output;

    @Option(names = "--with-modules", description = "Include each module's bytes (base64), so the export can fill another journal")
    boolean withModules;

    @Override
    public Integer call() {
        TimeBound from;
        TimeBound to;
        try {
            if (!format.equalsIgnoreCase("jsonl")) {
                throw new InvalidInputException("invalid --format value '" + format + "': only jsonl is supported");
            }
            from = since == null ? null : TimeBound.parse("--since", since);
            to = until == null ? null : TimeBound.parse("--until", until);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        Writer out = null;
        try (CapsuleClient capsule = cli.openClient()) {
            out = output == null ? new BufferedWriter(new OutputStreamWriter(cli.out, StandardCharsets.UTF_8))
                    : Files.newBufferedWriter(output, StandardCharsets.UTF_8);
            Writer sink = out;
            Instant now = capsule.databaseNow();
            long[] tasks = {0};
            JsonGenerator json = Json.MAPPER.getFactory().createGenerator(sink)
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET).disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            long trees = capsule.exportTrees(from == null ? null : from.resolve(now), to == null ? null : to.resolve(now), withModules, tree -> {
                tasks[0] += tree.tasks().size();
                try {
                    writeLine(json, tree);
                    json.flush();
                    sink.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
            cli.err.println("capsule: exported " + trees + " task tree(s), " + tasks[0] + " task(s)");
            return CapsuleCli.OK;
        } catch (IOException | UncheckedIOException e) {
            cli.err.println("capsule: cannot write the export: " + TerminalText.line(String.valueOf(e.getMessage())));
            return CapsuleCli.FAILED;
        } catch (JournalException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.FAILED;
        } finally {
            closeUnlessStdout(out);
        }
    }

    private void closeUnlessStdout(Writer out) {
        try {
            if (out != null && output != null) {
                out.close();
            } else if (out != null) {
                out.flush();
            }
        } catch (IOException ignored) {
            // reported by the write that failed
        }
    }

    /** One tree as one JSON object, written as it is read (a tree's output can be megabytes: no copy of it is built). */
    static void writeLine(JsonGenerator json, ExportedTree tree) throws IOException {
        json.writeStartObject();
        json.writeStringField("format", FORMAT);
        json.writeStringField("root_id", tree.rootId());
        rows(json, "tasks", tree.tasks());
        rows(json, "attempts", tree.attempts());
        rows(json, "events", tree.events());
        rows(json, "steps", tree.steps());
        rows(json, "host_requests", tree.hostRequests());
        rows(json, "modules", tree.modules());
        rows(json, "labels", tree.labels());
        rows(json, "output", tree.output());
        json.writeEndObject();
    }

    private static void rows(JsonGenerator json, String name, List<Map<String, Object>> rows) throws IOException {
        json.writeArrayFieldStart(name);
        for (Map<String, Object> row : rows) {
            json.writeStartObject();
            for (Map.Entry<String, Object> column : row.entrySet()) {
                json.writeFieldName(column.getKey());
                json.writeObject(column.getValue() instanceof OffsetDateTime t ? t.toInstant().toString() : column.getValue());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }
}
