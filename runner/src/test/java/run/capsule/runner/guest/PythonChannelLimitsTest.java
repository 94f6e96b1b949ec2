package run.capsule.runner.guest;

import run.capsule.protocol.ErrorType;
import run.capsule.protocol.EngineOp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.Program;
import run.capsule.runner.host.EngineLink;
import run.capsule.runner.host.HostCallException;
import run.capsule.runner.host.HostCalls;
import run.capsule.runner.host.HttpGateway;
import run.capsule.runner.host.WasiChannel;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #11, finding 9 for Python: (b) 120 unread 2 MiB writes to {@code /capsule/call} ended in an unexplained trap;
 * (c) a result over 2 MiB failed with {@code OSError: File too large}; (a) a child wait cut by the deadline is a
 * timeout.
 */
class PythonChannelLimitsTest {
    @TempDir
    static Path work;
    static PythonGuest guest;

    @BeforeAll
    static void start() throws Exception {
        guest = PythonGuest.start(work);
    }

    @AfterAll
    static void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    private AttemptResult runMain(String body, long timeoutMs) throws Exception {
        Path dir = guest.source("task.py", "import os\nimport capsule\nfrom capsule import task\n\n@task(name='main')\ndef main():\n" + body);
        return guest.run(guest.attempt(dir, "task.py", Program.RUN).limits(timeoutMs, 0, 4096));
    }

    @Test
    void unreadWritesToTheChannelStopAtTheLimitWithAMessage() throws Exception {
        AttemptResult result = runMain("""
                    chunk = b'x' * (2 * 1024 * 1024)
                    fds = []
                    for i in range(120):
                        fd = os.open('/capsule/call', os.O_RDWR)
                        fds.append(fd)
                        os.write(fd, chunk)
                    return len(fds)
                """, 60_000);

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("task_error");
        assertThat(result.message()).contains("/capsule/call").contains("the limit is " + WasiChannel.MAX_HELD_BYTES + " (16 MiB)")
                .contains("read each request's reply");
    }

    @Test
    void repliesThatWereReadDoNotCountAndOpenFilesAreCapped() throws Exception {
        AttemptResult result = runMain("""
                    fds = []
                    try:
                        for i in range(200):
                            fd = os.open('/capsule/call', os.O_RDWR)
                            fds.append(fd)
                            os.write(fd, b'{"op": "nothing", "pad": "' + b'y' * (1024 * 1024) + b'"}')
                            reply = os.read(fd, 1 << 20)
                            assert b'unknown_op' in reply, reply
                    except OSError as e:
                        return [len(fds), e.errno == __import__('errno').EMFILE]
                    return len(fds)
                """, 60_000);

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(result.value()).as("the guest library holds one channel file itself").isEqualTo("[" + (WasiChannel.MAX_OPEN - 1) + ",true]");
    }

    @Test
    void aResultOverTwoMebibytesSaysTheLimit() throws Exception {
        AttemptResult result = runMain("    return 'x' * (3 * 1024 * 1024)\n", 60_000);

        assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("task_error");
        assertThat(result.message()).startsWith("ResultTooLarge: the result of task main is larger than the 2 MiB limit")
                .doesNotContain("File too large");
    }

    @Test
    void aResultJustUnderTheLimitIsReported() throws Exception {
        AttemptResult result = runMain("    return 'x' * (2 * 1024 * 1024 - 100)\n", 60_000);

        assertThat(result.succeeded()).as(PythonGuest.why(result)).isTrue();
        assertThat(result.value()).hasSize(2 * 1024 * 1024 - 98);
    }

    @Test
    void aChildWaitCutByTheDeadlineIsATimeout() throws Exception {
        guest.sandbox.serveHostCalls(HostCalls.withHttp(HttpGateway.newClient(), InetAddress::getAllByName, new SilentEngine()));
        try {
            AttemptResult result = runMain("""
                        try:
                            return capsule.call('child', 1)
                        except Exception as e:
                            return 'caught ' + repr(e)
                    """, 1_500);

            assertThat(result.errorType()).as(PythonGuest.why(result)).isEqualTo("timeout");
        } finally {
            guest.sandbox.serveHostCalls(HostCalls.BASIC);
        }
    }

    /** Starts children and never finishes them: a wait lasts until the attempt's deadline, as the runner's engine link does. */
    static final class SilentEngine implements EngineLink {
        private final ObjectMapper json = new ObjectMapper();

        @Override
        public ObjectNode call(String attemptId, EngineOp engineOp, long deadlineNanos) throws HostCallException {
            JsonNode request = new ObjectMapper().valueToTree(engineOp);
            if (request.path("op").asText().equals("task.start")) {
                return json.createObjectNode().put("id", "c1");
            }
            long left;
            while ((left = deadlineNanos - System.nanoTime()) > 0) {
                LockSupport.parkNanos(left);
            }
            throw new HostCallException(ErrorType.TIMEOUT, "the attempt's deadline passed while the engine served \"" + request.path("op").asText() + "\"");
        }
    }
}
