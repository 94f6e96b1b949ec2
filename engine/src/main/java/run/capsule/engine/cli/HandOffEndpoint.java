package run.capsule.engine.cli;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running node's local endpoint for {@code capsule run} and {@code capsule submit} (docs/cli.md, <i>Hand-off to a
 * running node</i>): a Unix domain socket {@code node-PID.sock}, 0600, in the H2 journal's 0700 directory. Only a
 * process of the node's own user gets an answer (checked again from the peer's credentials); the node then runs the
 * CLI's own command line with the CLI's working directory and environment on this node instead of a new one.
 */
public final class HandOffEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HandOffEndpoint.class);
    /** The longest request line (a command line and its environment). */
    static final int MAX_REQUEST_CHARS = 4 * 1024 * 1024;
    /** Hand-offs served at once; one more is refused and that CLI runs the task itself. */
    static final int MAX_CONCURRENT = 32;
    /** Environment variables that decide the node's caches and secrets key: a CLI whose values differ is refused. */
    private static final String[] NODE_SETTINGS = {"HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "CAPSULE_CACHE_DIR", "CAPSULE_SECRETS_KEY_FILE"};

    private final Capsule node;
    private final Path journalFile;
    private final Path socket;
    private final ServerSocketChannel server;
    private final ThreadPoolExecutor handlers;
    private final Duration closeWait;
    private final Thread acceptor;

    private HandOffEndpoint(Capsule node, Path journalFile, Path socket, ServerSocketChannel server, Duration closeWait) {
        this.node = node;
        this.journalFile = journalFile;
        this.socket = socket;
        this.server = server;
        this.closeWait = closeWait;
        AtomicInteger count = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(0, MAX_CONCURRENT, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "capsule-hand-off-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "capsule-hand-off-accept");
        acceptor.setDaemon(true);
    }

    /**
     * Starts listening for {@code node}, if its journal is an H2 file: empty for PostgreSQL (no directory of its own to
     * keep the socket private in) or when the socket cannot be made (path too long, no Unix sockets). {@code closeWait}
     * is how long {@link #close} lets hand-offs in flight finish.
     */
    public static Optional<HandOffEndpoint> open(Capsule node, Duration closeWait) {
        CapsuleOptions options = node.options();
        Optional<Path> journalFile = HandOffAddress.journalFile(options.journal().jdbcUrl(), Path.of("").toAbsolutePath());
        if (!options.journal().jdbcUrl().startsWith("jdbc:h2:file:") || journalFile.isEmpty()) {
            return Optional.empty();
        }
        Path dir = journalFile.get().getParent();
        long pid = ProcessHandle.current().pid();
        Path socket = HandOffAddress.socketOf(dir, pid);
        Path binding = dir.resolve("binding-" + pid + HandOffAddress.SUFFIX);
        ServerSocketChannel server = null;
        try {
            Files.deleteIfExists(binding);
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(binding));
            // made private before it is published under the name clients look for
            Files.setPosixFilePermissions(binding, PosixFilePermissions.fromString("rw-------"));
            Files.move(binding, socket, StandardCopyOption.ATOMIC_MOVE);
            HandOffEndpoint endpoint = new HandOffEndpoint(node, journalFile.get(), socket, server, closeWait);
            endpoint.acceptor.start();
            return Optional.of(endpoint);
        } catch (IOException | RuntimeException e) {
            log.info("no hand-off socket for this node ({}): capsule run starts its own", e.getMessage());
            try {
                if (server != null) {
                    server.close();
                }
                Files.deleteIfExists(binding);
            } catch (IOException ignored) {
                // nothing was published
            }
            return Optional.empty();
        }
    }

    /** The socket file this node listens on. */
    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("hand-off socket: {}", e.getMessage());
                return;
            }
            try {
                handlers.execute(() -> serve(client));
            } catch (RejectedExecutionException e) {
                refuseQuietly(client, "the node is serving " + MAX_CONCURRENT + " hand-offs already");
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            HandOffFrames frames = new HandOffFrames(client, Charset.defaultCharset());
            HandOffRequest request;
            try {
                checkPeer(client);
                String line = readLine(client);
                request = HandOffRequest.parse(line);
                checkRequest(request);
            } catch (HandOffRefusedException | IllegalArgumentException e) {
                frames.send(Map.of("refused", e.getMessage()));
                return;
            }
            frames.send(Map.of("accepted", node.options().nodeId()));
            PrintStream out = frames.stream("out");
            PrintStream err = frames.stream("err");
            CapsuleCli cli = new CapsuleCli(request.workingDir(), request.env(), out, err).onNode(node, journalFile);
            int code = cli.execute(request.argv().toArray(String[]::new));
            if (cli.refusal() != null) {
                if (!frames.printed()) {
                    frames.send(Map.of("refused", cli.refusal().getMessage()));
                    return;
                }
                err.println("capsule: " + cli.refusal().getMessage());
            }
            out.flush();
            err.flush();
            frames.send(Map.of("exit", code));
        } catch (IOException e) {
            log.debug("hand-off connection: {}", e.getMessage());
        }
    }

    /** Only this node's own user may hand it a task (the socket's 0600 says so too; this holds if its mode is changed). */
    private void checkPeer(SocketChannel client) throws IOException {
        UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
        UserPrincipal owner = Files.getOwner(socket);
        if (!peer.user().equals(owner)) {
            throw new HandOffRefusedException("only " + owner.getName() + " may hand tasks to this node");
        }
    }

    private void checkRequest(HandOffRequest request) {
        String[] argv = request.argv().toArray(String[]::new);
        String command = HandOffAddress.subcommand(argv);
        if (!HandOffAddress.HANDED_COMMANDS.contains(command)) {
            throw new HandOffRefusedException("a node takes over capsule " + String.join(", ", new java.util.TreeSet<>(HandOffAddress.HANDED_COMMANDS))
                    + " only");
        }
        if (!HandOffAddress.journalFile(HandOffAddress.dbUrl(argv, request.env()), request.workingDir()).equals(Optional.of(journalFile))) {
            throw new HandOffRefusedException("the command uses another journal than this node's");
        }
        if (!request.code().equals(HandOffRequest.codeLocation())) {
            throw new HandOffRefusedException("the command is of other Capsule code (" + request.code() + ") than this node's");
        }
        if (!request.charset().equals(Charset.defaultCharset().name())) {
            throw new HandOffRefusedException("the command's charset " + request.charset() + " is not this node's");
        }
        for (String name : NODE_SETTINGS) {
            if (!java.util.Objects.equals(request.env().get(name), System.getenv(name))) {
                throw new HandOffRefusedException("the command's $" + name + " is not this node's");
            }
        }
    }

    private static String readLine(SocketChannel client) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = reader.read()) != -1 && c != '\n') {
            if (line.length() >= MAX_REQUEST_CHARS) {
                throw new HandOffRefusedException("request longer than " + MAX_REQUEST_CHARS + " characters");
            }
            line.append((char) c);
        }
        return line.toString();
    }

    private static void refuseQuietly(SocketChannel client, String why) {
        try (client) {
            new HandOffFrames(client, StandardCharsets.UTF_8).send(Map.of("refused", why));
        } catch (IOException ignored) {
            // the CLI went away; it runs the task itself either way
        }
    }

    /** Stops taking hand-offs (the socket is removed), then lets those in flight finish within the close wait. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the hand-off socket: {}", e.getMessage());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.debug("removing {}: {}", socket, e.getMessage());
        }
        handlers.shutdown();
        try {
            if (!handlers.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("hand-offs still running after {}; the node closes under them", closeWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
