package run.capsule.engine.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.spec.Durations;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.store.JournalException;
import run.capsule.store.QueryResult;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "sql", mixinStandardHelpOptions = true, description = {"Runs one read-only SQL query over the journal (tables and views: docs/sql.md).",
        "Writes are refused; a query running longer than --timeout is cancelled. See docs/sql.md."})
final class SqlCommand implements Callable<Integer> {
    @ParentCommand
    CapsuleCli cli;

    @Parameters(index = "0", paramLabel = "QUERY")
    String query;

    @Option(names = "--format", paramLabel = "FORMAT", description = "table (default), json (an array of row objects), jsonl (one object per line) or csv")
    String format = "table";

    @Option(names = "--json", description = "The same as --format json")
    boolean json;

    @Option(names = "--max-rows", paramLabel = "N", description = "Stop after N rows (default 1000); a note on stderr says when rows were cut")
    int maxRows = 1000;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Cancel the query after this long (default 30s)")
    String timeout = "30s";

    @Option(names = {"-v", "--verbose"}, description = "Print the row count and the query's time on stderr")
    boolean verbose;

    @Override
    public Integer call() {
        QueryOutput.Format outputFormat;
        Duration limit;
        try {
            if (maxRows < 1) {
                throw new InvalidInputException("--max-rows must be at least 1");
            }
            outputFormat = json ? QueryOutput.Format.JSON : QueryOutput.Format.parse(format);
            limit = Durations.parse("--timeout", timeout);
        } catch (InvalidInputException e) {
            cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
            return CapsuleCli.USAGE;
        }
        try (CapsuleClient capsule = cli.openClient()) {
            QueryResult result;
            long started = System.nanoTime();
            try {
                result = capsule.query(query, maxRows, limit);
            } catch (JournalException e) {
                cli.err.println("capsule: " + TerminalText.line(e.getMessage()));
                return CapsuleCli.FAILED;
            }
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            new QueryOutput(cli.out).print(result, outputFormat);
            if (result.truncated()) {
                cli.err.println("capsule: output stopped at " + maxRows + " rows (--max-rows); the query has more");
            }
            if (verbose) {
                cli.err.println("capsule: " + result.rows().size() + (result.rows().size() == 1 ? " row" : " rows") + " in " + elapsedMs + " ms");
            }
            return CapsuleCli.OK;
        }
    }
}
