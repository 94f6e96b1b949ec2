package run.capsule.runner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.protocol.ErrorType;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Compiling;
import run.capsule.protocol.EngineReply;
import run.capsule.protocol.FrameCodec;
import run.capsule.protocol.GuestOutput;
import run.capsule.protocol.Hello;
import run.capsule.protocol.Message;
import run.capsule.protocol.RunAttempt;
import run.capsule.protocol.Ping;
import run.capsule.protocol.Pong;
import run.capsule.protocol.Shutdown;
import run.capsule.protocol.Started;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;
import run.capsule.runner.sandbox.SymlinkCanary;
import run.capsule.runner.sandbox.WasmSandbox;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;

/**
 * A runner process (nothing but frames may reach the real stdout, so it is taken before any logging starts): reads {@link Message} frames from stdin, runs one attempt at a time, writes frames to
 * stdout. Its own diagnostics go to stderr. It exits as soon as stdin closes, so an engine that dies leaves
 * no runner behind. Usage: {@code RunnerMain --cache-dir DIR}.
 */
public final class RunnerMain {
    private static Logger log;
    private static final long WASM_THREAD_STACK = 64L * 1024 * 1024;
    private static final long MIN_FLOOD_BYTES = 16L * 1024 * 1024;
    /**
     * Test hook: a runner started with {@code -Dcapsule.runner.haltWhileCompiling=SHA256} halts right after
     * announcing that it compiles that module, as if the compiler had crashed.
     */
    private static final String HALT_WHILE_COMPILING = System.getProperty("capsule.runner.haltWhileCompiling", "");
    /** Test hook: {@code -Dcapsule.runner.pretendSymlinkEscape=true} makes the start-up canary report an escape. */
    private static final boolean PRETEND_SYMLINK_ESCAPE = Boolean.getBoolean("capsule.runner.pretendSymlinkEscape");

    private final OutputStream protocolOut;
    private final WasmSandbox sandbox;
    private final Path workRoot;

    private final EngineCalls engineCalls;

    private RunnerMain(OutputStream protocolOut, WasmSandbox sandbox, Path workRoot, EngineCalls engineCalls) {
        this.engineCalls = engineCalls;
        this.protocolOut = protocolOut;
        this.sandbox = sandbox;
        this.workRoot = workRoot;
    }

    public static void main(String[] args) {
        OutputStream protocolOut = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        log = LoggerFactory.getLogger(RunnerMain.class);
        InputStream protocolIn = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 64 * 1024);
        try {
            Path cacheDir = args.length == 2 && args[0].equals("--cache-dir") ? Path.of(args[1]) : NativeLibrary.defaultCacheDir();
            Path nativeDir = NativeLibrary.extract(cacheDir);
            NativeLibrary.requireOnLibraryPath(nativeDir);
            Path workRoot = WorkRoots.create(Path.of(System.getProperty("java.io.tmpdir")));
            WasmSandbox sandbox = WasmSandbox.create(cacheDir);
            EngineCalls engineCalls = new EngineCalls(message -> {
                try {
                    FrameCodec.write(protocolOut, message);
                } catch (IOException e) {
                    exit(0);
                }
            });
            sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.lazyClient(), InetAddress::getAllByName, engineCalls));
            workRootToDelete = workRoot;
            Optional<String> refusal = PRETEND_SYMLINK_ESCAPE
                    ? SymlinkCanary.verdict(new AttemptResult("symlink-canary", SymlinkCanary.ESCAPED_THROUGH_PATH, null, null, null,
                            "", false, "", false, 0, null, null, false))
                    : SymlinkCanary.check(sandbox, workRoot);
            if (refusal.isPresent()) {
                System.err.println(refusal.get());
                exit(78);
                return;
            }
            new RunnerMain(protocolOut, sandbox, workRoot, engineCalls).serve(protocolIn);
        } catch (Throwable e) {
            log.error("runner failed to start: {}", e.toString());
            Runtime.getRuntime().halt(70);
        }
    }

    private void serve(InputStream in) throws IOException, InterruptedException {
        BlockingQueue<RunAttempt> work = new ArrayBlockingQueue<>(1);
        Thread executor = new Thread(null, () -> execute(work), "capsule-wasm", WASM_THREAD_STACK);
        executor.setDaemon(true);
        executor.start();
        FrameCodec.write(protocolOut, new Hello(Message.PROTOCOL_VERSION, ProcessHandle.current().pid(), NativeLibrary.WASMTIME_VERSION));
        while (true) {
            Message message;
            try {
                message = FrameCodec.read(in);
            } catch (IOException e) {
                log.error("protocol error, exiting: {}", e.getMessage());
                exit(71);
                return;
            }
            if (message == null) {
                exit(0);
                return;
            }
            if (message instanceof RunAttempt run) {
                if (!work.offer(run)) {
                    log.error("engine sent attempt {} while another was running; exiting", run.attemptId());
                    exit(71);
                }
            } else if (message instanceof EngineReply reply) {
                engineCalls.answer(reply);
            } else if (message instanceof Ping ping) {
                send(new Pong(ping.id()));
            } else if (message instanceof Shutdown) {
                work.put(new RunAttempt(null, null, null, null, null, null, null, 0, 0, false, 0, 0));
                executor.join();
                exit(0);
                return;
            } else {
                log.warn("ignoring unexpected {} frame", message.getClass().getSimpleName());
            }
        }
    }

    private void execute(BlockingQueue<RunAttempt> work) {
        IdleHeapTrim trim = new IdleHeapTrim();
        while (true) {
            RunAttempt run;
            try {
                run = trim.next(work);
            } catch (InterruptedException e) {
                return;
            }
            if (run.attemptId() == null) {
                return;
            }
            Path workDir = workRoot.resolve("attempt-" + Math.abs(run.attemptId().hashCode()));
            long floodBytes = Math.max(MIN_FLOOD_BYTES, run.outputLimitBytes() * 4);
            OutputWatcher watcher = new OutputWatcher(run.streamStderr(), run.outputLimitBytes(), floodBytes,
                    text -> send(new GuestOutput(run.attemptId(), "stderr", text)),
                    size -> {
                        send(new AttemptResult(run.attemptId(), null, null, ErrorType.TASK_ERROR.wireName(),
                                "guest output exceeded " + floodBytes + " bytes; attempt stopped", "", true, "", true, 0, null, null, true));
                        exit(72);
                    });
            WasmSandbox.Progress progress = new WasmSandbox.Progress() {
                @Override
                public void compiling() {
                    send(new Compiling(run.attemptId(), run.moduleSha256()));
                    if (!HALT_WHILE_COMPILING.isEmpty() && HALT_WHILE_COMPILING.equals(run.moduleSha256())) {
                        log.error("halting while compiling {} (capsule.runner.haltWhileCompiling)", run.moduleSha256());
                        exit(134);
                    }
                }

                @Override
                public void started() {
                    send(new Started(run.attemptId()));
                }
            };
            AttemptResult result;
            try {
                result = sandbox.run(run, workDir, watcher, progress);
            } catch (Throwable e) {
                log.error("attempt {} broke the sandbox: {}", run.attemptId(), e.toString());
                send(new AttemptResult(run.attemptId(), null, null, ErrorType.INTERNAL_ERROR.wireName(),
                        "sandbox failure: " + WasmSandbox.oneLine(e.toString()), "", false, "", false, 0, null, null, true));
                exit(70);
                return;
            }
            // the result first: the engine journals it while this runner deletes the attempt's files
            send(result);
            deleteTree(workDir);
        }
    }

    private void send(Message message) {
        try {
            FrameCodec.write(protocolOut, message);
        } catch (IOException e) {
            exit(0);
        }
    }

    private static volatile Path workRootToDelete;

    private static void exit(int status) {
        Path root = workRootToDelete;
        if (root != null) {
            deleteTree(root);
        }
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory; the OS reclaims it eventually
        }
    }
}
