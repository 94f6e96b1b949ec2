package run.capsule.engine.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.node.NodeIdentity;
import run.capsule.store.JournalConfig;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;

/** The {@code capsule} command line. Exit codes: 0 success, 1 task or command failed, 2 usage error. */
@Command(name = "capsule", mixinStandardHelpOptions = true, version = "capsule " + NodeIdentity.VERSION,
        description = "Runs untrusted WebAssembly in sandboxed runner processes and journals every task in SQL.")
public final class CapsuleCli implements Runnable {
    /** The built-in subcommands, in the order of {@code capsule --help}; the other modules' follow ({@link CliCommands}). */
    private static final List<Class<?>> COMMANDS = List.of(RunCommand.class, BuildCommand.class, SubmitCommand.class, WorkerCommand.class,
            StatusCommand.class, WaitCommand.class, CancelCommand.class, ScheduleCommand.class, HistoryCommand.class, SqlCommand.class,
            PruneCommand.class, ExportCommand.class, NodesCommand.class, DrainCommand.class, MigrateCommand.class);

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @Option(names = "--db", paramLabel = "JDBC_URL", scope = CommandLine.ScopeType.INHERIT,
            description = "Journal database (jdbc:h2:... or jdbc:postgresql:...). Default: $CAPSULE_DB_URL, else an H2 file in ./.capsule/")
    String db;

    final Path workingDir;
    final Map<String, String> env;
    final PrintStream out;
    final PrintStream err;
    private Capsule handedTo;
    private Path handedToJournal;
    private HandOffRefusedException refusal;

    public CapsuleCli(Path workingDir, Map<String, String> env, PrintStream out, PrintStream err) {
        this.workingDir = workingDir;
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path workingDir = Path.of("").toAbsolutePath();
        Map<String, String> env = System.getenv();
        OptionalInt handedOff = HandOffClient.tryRun(args, workingDir, env, System.out, System.err);
        int code = handedOff.isPresent() ? handedOff.getAsInt() : new CapsuleCli(workingDir, env, System.out, System.err).execute(args);
        System.out.flush();
        System.exit(code);
    }

    public int execute(String... args) {
        CommandLine commandLine = new CommandLine(this);
        addCommands(commandLine, HandOffAddress.subcommand(args));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setExitCodeExceptionMapper(e -> FAILED);
        commandLine.setParameterExceptionHandler((ex, argv) -> {
            var unknownCommand = UnknownCommand.message(ex);
            if (unknownCommand.isPresent()) {
                err.println(unknownCommand.get());
                return USAGE;
            }
            err.println("capsule: " + TerminalText.line(ex.getMessage()));
            if (ex.getCommandLine().getCommand() instanceof RunCommand run && run.jsonRequested(argv)) {
                run.printInvalidInput(ex.getMessage());
            }
            return USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof HandOffRefusedException refused) {
                refusal = refused;
                return FAILED;
            }
            err.println("capsule: " + TerminalText.line(oneLine(ex)));
            return FAILED;
        });
        return commandLine.execute(args);
    }

    /**
     * Adds the subcommand a command line names, else all of them: picocli reads every added command's options from its
     * annotations, which costs a one-shot {@code capsule run} about a tenth of a second for the commands it does not use.
     */
    private static void addCommands(CommandLine commandLine, String named) {
        for (Class<?> command : COMMANDS) {
            if (command.getAnnotation(Command.class).name().equals(named)) {
                commandLine.addSubcommand(command);
                return;
            }
        }
        COMMANDS.forEach(commandLine::addSubcommand);
        for (CliCommands extension : ServiceLoader.load(CliCommands.class)) {
            extension.commands().forEach(commandLine::addSubcommand);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(out);
    }

    CapsuleOptions options(int runners) {
        return CapsuleOptions.builder()
                .journal(journalConfig())
                .runners(runners)
                .build();
    }

    /** The directory the command runs in (where {@code capsule.toml} and {@code .env} are read). */
    public Path workingDir() {
        return workingDir;
    }

    /** The process environment the command sees. */
    public Map<String, String> env() {
        return env;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** The journal of {@code --db}, else {@code $CAPSULE_DB_URL}, else {@code ./.capsule}. */
    public JournalConfig journalConfig() {
        String url = db != null ? db : env.get("CAPSULE_DB_URL");
        if (url == null || url.isBlank()) {
            return JournalConfig.embedded(workingDir.resolve(".capsule"));
        }
        return JournalConfig.of(url);
    }

    /** An engine node (for run). */
    Capsule open(int runners) {
        return Capsule.open(options(runners));
    }

    /** A node that runs one task at once: its runner starts while the journal opens. */
    Capsule openForRun() {
        return Capsule.open(CapsuleOptions.builder().journal(journalConfig()).runners(1).startRunnerEarly(true).build());
    }

    /**
     * Runs a handed command ({@link HandOffAddress#HANDED_COMMANDS}) on {@code node}, a running node on the H2 file journal {@code journalFile}
     * that this command line was handed to ({@link HandOffEndpoint}), instead of opening the journal.
     */
    CapsuleCli onNode(Capsule node, Path journalFile) {
        this.handedTo = node;
        this.handedToJournal = journalFile;
        return this;
    }

    /** Why the node this command was handed to declined it after all (then nothing was printed), or null. */
    HandOffRefusedException refusal() {
        return refusal;
    }

    /** The node {@code run} runs on: the one it was handed to, else a new one, closed with the lease. */
    Lease<Capsule> nodeForRun() {
        return handedTo != null ? new Lease<>(handedTo(), false) : new Lease<>(openForRun(), true);
    }

    /**
     * The client {@code submit}, {@code status}, {@code history} and {@code cancel} use: the node the command was handed
     * to, else a new client, closed with the lease.
     */
    Lease<CapsuleClient> client() {
        return handedTo != null ? new Lease<>(handedTo(), false) : new Lease<>(openClient(), true);
    }

    private Capsule handedTo() {
        String url = db != null ? db : env.get("CAPSULE_DB_URL");
        if (!HandOffAddress.journalFile(url, workingDir).equals(Optional.of(handedToJournal))) {
            throw new HandOffRefusedException("the command uses another journal than this node's");
        }
        return handedTo;
    }

    /** A node or client for one command; closed at its end only if the command opened it. */
    record Lease<T extends CapsuleClient>(T capsule, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) {
                capsule.close();
            }
        }
    }

    /** A client of the journal that runs nothing (submit, status, wait, cancel, history, sql). */
    CapsuleClient openClient() {
        return Capsule.openClient(options(1));
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getClass().getSimpleName();
        }
        return message.strip().lines().findFirst().orElse(message);
    }
}
