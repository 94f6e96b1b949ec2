package run.capsule.engine.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The CLI's side of a hand-off (docs/cli.md): {@code capsule run}, {@code submit}, {@code status}, {@code history} and
 * {@code cancel} first offer their command
 * line to a node already running on the same H2 file journal, and print what it answers. No node, a stale socket (its
 * node is gone) or a refusal: empty, and the CLI runs the command itself. Loads no JSON library, database or picocli.
 */
final class HandOffClient {
    /** Set to anything but {@code 0} to never hand off (the command always starts its own node). */
    static final String NO_HAND_OFF = "CAPSULE_NO_HANDOFF";
    /** How long a node may take to accept (a node that is stopped with SIGSTOP never does). */
    static final long ACCEPT_TIMEOUT_MS = 5_000;

    private HandOffClient() {
    }

    /** The exit code of the command as a node ran it, or empty when no node took it. */
    static OptionalInt tryRun(String[] argv, Path workingDir, Map<String, String> env, PrintStream out, PrintStream err) {
        String optOut = env.get(NO_HAND_OFF);
        String command = HandOffAddress.subcommand(argv);
        if (optOut != null && !optOut.isEmpty() && !optOut.equals("0") || !HandOffAddress.HANDED_COMMANDS.contains(command)) {
            return OptionalInt.empty();
        }
        Optional<Path> journal = HandOffAddress.journalFile(HandOffAddress.dbUrl(argv, env), workingDir);
        if (journal.isEmpty()) {
            return OptionalInt.empty();
        }
        HandOffRequest request = null;
        for (Path socket : HandOffAddress.advertised(journal.get().getParent())) {
            if (request == null) {
                request = HandOffRequest.of(argv, workingDir, env);
            }
            OptionalInt code = offer(socket, request, out, err);
            if (code.isPresent()) {
                return code;
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt offer(Path socket, HandOffRequest request, PrintStream out, PrintStream err) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalInt.empty();
        }
        try (channel) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (ConnectException e) {
                // no one listens: the node that made it was killed
                Files.deleteIfExists(socket);
                return OptionalInt.empty();
            }
            channel.write(ByteBuffer.wrap((request.toLine() + "\n").getBytes(StandardCharsets.UTF_8)));
            BufferedReader replies = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            Map<String, Object> first = firstReply(channel, replies);
            if (first == null || !first.containsKey("accepted")) {
                return OptionalInt.empty();
            }
            return relay(replies, first.get("accepted"), out, err);
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** The node's first line, or null if it does not answer within {@link #ACCEPT_TIMEOUT_MS}. */
    private static Map<String, Object> firstReply(SocketChannel channel, BufferedReader replies) throws IOException {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(ACCEPT_TIMEOUT_MS);
                channel.close();
            } catch (InterruptedException | IOException e) {
                // answered in time
            }
        }, "capsule-hand-off-timeout");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            String line = replies.readLine();
            return line == null ? null : JsonLine.read(line);
        } finally {
            watchdog.interrupt();
        }
    }

    /** Prints the node's output until its exit line; a refusal before any output still lets the CLI run the command. */
    private static OptionalInt relay(BufferedReader replies, Object nodeId, PrintStream out, PrintStream err) {
        boolean printed = false;
        try {
            String line;
            while ((line = replies.readLine()) != null) {
                Map<String, Object> reply = JsonLine.read(line);
                if (reply.get("out") instanceof String text) {
                    out.print(text);
                    out.flush();
                    printed = true;
                } else if (reply.get("err") instanceof String text) {
                    err.print(text);
                    err.flush();
                    printed = true;
                } else if (reply.get("exit") instanceof Long code) {
                    return OptionalInt.of(code.intValue());
                } else if (reply.containsKey("refused") && !printed) {
                    return OptionalInt.empty();
                }
            }
        } catch (IOException | RuntimeException e) {
            // reported below
        }
        err.println("capsule: node " + TerminalText.line(String.valueOf(nodeId)) + ", which took this command over, stopped before it ended;"
                + " the task may still be journaled (capsule history)");
        return OptionalInt.of(CapsuleCli.FAILED);
    }
}
