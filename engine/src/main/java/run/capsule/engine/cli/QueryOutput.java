package run.capsule.engine.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.store.QueryResult;

import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Prints a query's rows as a table for people, or as JSON, JSON lines or CSV for tools (capsule sql --format). */
final class QueryOutput {
    enum Format { TABLE, JSON, JSONL, CSV;

        static Format parse(String text) {
            try {
                return valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new run.capsule.engine.spec.InvalidInputException("invalid --format value '" + text + "': use table, json, jsonl or csv");
            }
        }
    }

    private final PrintStream out;

    QueryOutput(PrintStream out) {
        this.out = out;
    }

    void print(QueryResult result, Format format) {
        switch (format) {
            case TABLE -> table(result);
            case JSON -> {
                ArrayNode rows = Json.MAPPER.createArrayNode();
                result.rows().forEach(row -> rows.add(object(result.columns(), row)));
                out.println(Json.write(rows));
            }
            case JSONL -> result.rows().forEach(row -> out.println(Json.write(object(result.columns(), row))));
            case CSV -> csv(result);
        }
    }

    private static ObjectNode object(List<String> columns, List<Object> row) {
        ObjectNode o = Json.object();
        for (int i = 0; i < columns.size(); i++) {
            o.set(columns.get(i), Json.MAPPER.valueToTree(plain(row.get(i))));
        }
        return o;
    }

    static Object plain(Object value) {
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

    /** RFC 4180: a header line, fields with a comma, quote or line break quoted, quotes doubled; NULL is an empty field. */
    private void csv(QueryResult result) {
        out.print(String.join(",", result.columns().stream().map(QueryOutput::csvField).toList()) + "\r\n");
        for (List<Object> row : result.rows()) {
            List<String> fields = new ArrayList<>(row.size());
            for (Object value : row) {
                Object v = plain(value);
                fields.add(v == null ? "" : csvField(v.toString()));
            }
            out.print(String.join(",", fields) + "\r\n");
        }
        out.flush();
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private void table(QueryResult result) {
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
        out.println(header.toString().stripTrailing());
        for (List<String> line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", line.get(i)));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.println("(" + result.rows().size() + (result.rows().size() == 1 ? " row)" : " rows)"));
    }
}
