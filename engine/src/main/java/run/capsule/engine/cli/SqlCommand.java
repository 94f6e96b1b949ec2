package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.store.JournalException;
import run.capsule.store.QueryResult;

import java.time.OffsetDateTime;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sql", mixinStandardHelpOptions = true, description = {"Runs one read-only SQL query over the journal (tables: tasks, attempts, task_events).",
        "Writes are refused. See docs/sql.md."})
final class SqlCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "QUERY")
    String query;

    @Option(names = "--json", description = "Print a JSON array of row objects")
    boolean json;

    @Option(names = "--max-rows", paramLabel = "N", description = "Stop after N rows (default 1000)")
    int maxRows = 1000;

    @Override
    public Integer call() {
        if (maxRows < 1) {
            cli.err.println("capsule: --max-rows must be at least 1");
            return CapsuleCli.USAGE;
        }
        try (CapsuleClient capsule = cli.openClient()) {
            QueryResult result;
            try {
                result = capsule.query(query, maxRows);
            } catch (JournalException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.FAILED;
            }
            if (json) {
                ArrayNode rows = Json.MAPPER.createArrayNode();
                for (List<Object> row : result.rows()) {
                    ObjectNode o = rows.addObject();
                    for (int i = 0; i < result.columns().size(); i++) {
                        o.set(result.columns().get(i), Json.MAPPER.valueToTree(plain(row.get(i))));
                    }
                }
                cli.out.println(Json.write(rows));
            } else {
                printTable(result);
            }
            if (result.truncated()) {
                cli.err.println("capsule: output stopped at " + maxRows + " rows (--max-rows)");
            }
            return CapsuleCli.OK;
        }
    }

    private static Object plain(Object value) {
        if (value instanceof OffsetDateTime t) {
            return t.toInstant().toString();
        }
        if (value instanceof TemporalAccessor || value instanceof java.util.Date) {
            return value.toString();
        }
        if (value instanceof byte[] bytes) {
            return "<" + bytes.length + " bytes>";
        }
        if (value instanceof java.sql.Clob || value instanceof java.sql.Blob) {
            return value.toString();
        }
        return value;
    }

    private void printTable(QueryResult result) {
        List<String> columns = result.columns();
        List<List<String>> cells = new ArrayList<>();
        int[] widths = new int[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            widths[i] = TerminalText.line(columns.get(i)).length();
        }
        for (List<Object> row : result.rows()) {
            List<String> line = new ArrayList<>();
            for (int i = 0; i < columns.size(); i++) {
                Object v = plain(row.get(i));
                String s = v == null ? "NULL" : TerminalText.line(v.toString().replace('\n', ' '));
                if (s.length() > 80) {
                    s = s.substring(0, 77) + "...";
                }
                widths[i] = Math.max(widths[i], s.length());
                line.add(s);
            }
            cells.add(line);
        }
        StringBuilder header = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            header.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", TerminalText.line(columns.get(i))));
        }
        cli.out.println(header.toString().stripTrailing());
        for (List<String> line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", line.get(i)));
            }
            cli.out.println(sb.toString().stripTrailing());
        }
        cli.out.println("(" + result.rows().size() + (result.rows().size() == 1 ? " row)" : " rows)"));
    }
}
