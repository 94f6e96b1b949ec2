package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.protocol.Mount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class FileGatewayTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    JsonNode call(FileGateway files, String json) throws Exception {
        JsonNode request = JSON.readTree(json);
        HostCallDispatcher dispatcher = new HostCallDispatcher(java.util.Map.of(
                "file.read", files.read(), "file.write", files.write(), "file.list", files.list()));
        return JSON.readTree(dispatcher.dispatch(JSON.writeValueAsBytes(request)));
    }

    @Test
    void theLongestMatchingMountWinsAndRelativePathsStartAtTheRoot() throws Exception {
        Path outer = Files.createDirectories(dir.resolve("outer"));
        Path inner = Files.createDirectories(dir.resolve("inner"));
        Files.writeString(outer.resolve("a.txt"), "outer");
        Files.writeString(inner.resolve("a.txt"), "inner");
        FileGateway files = new FileGateway(List.of(new Mount(outer.toString(), "/data", true), new Mount(inner.toString(), "/data/sub", false)));

        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"/data/a.txt\"}").get("text").asText()).isEqualTo("outer");
        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"data/sub/a.txt\"}").get("text").asText()).isEqualTo("inner");
        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data/sub/b.txt\",\"text\":\"new\"}").has("error")).isFalse();
        assertThat(inner.resolve("b.txt")).hasContent("new");
        assertThat(call(files, "{\"op\":\"file.list\",\"path\":\"/data/sub\"}").get("entries").toString()).isEqualTo("[\"a.txt\",\"b.txt\"]");
    }

    @Test
    void refusalsAreErrorReplies() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        FileGateway files = new FileGateway(List.of(new Mount(data.toString(), "/data", false)));

        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data\",\"text\":\"x\"}").at("/error/type").asText()).isEqualTo("is_a_directory");
        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"/data\"}").at("/error/type").asText()).isEqualTo("is_a_directory");
        assertThat(call(files, "{\"op\":\"file.read\"}").at("/error/type").asText()).isEqualTo("bad_request");
        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data/x\"}").at("/error/type").asText()).isEqualTo("bad_request");
        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"/data/../../etc/passwd\"}").at("/error/type").asText()).isEqualTo("not_allowed");
        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data/no/such/dir.txt\",\"text\":\"x\"}").at("/error/type").asText()).isEqualTo("not_found");
        assertThat(call(new FileGateway(List.of()), "{\"op\":\"file.list\",\"path\":\"/\"}").at("/error/message").asText())
                .isEqualTo("/ is outside the directories granted to this task (none)");
    }

    @Test
    void aSymlinkAnywhereOnThePathIsRefusedEvenOnePointingInside() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "SECRET");
        Files.createDirectories(data.resolve("real"));
        Files.writeString(data.resolve("real/a.txt"), "inside");
        Files.createSymbolicLink(data.resolve("out"), outside);
        Files.createSymbolicLink(data.resolve("in"), data.resolve("real"));
        Files.createSymbolicLink(data.resolve("real/file-link"), data.resolve("real/a.txt"));
        FileGateway files = new FileGateway(List.of(new Mount(data.toString(), "/data", false)));

        for (String request : List.of(
                "{\"op\":\"file.read\",\"path\":\"/data/out/secret.txt\"}",
                "{\"op\":\"file.read\",\"path\":\"/data/in/a.txt\"}",
                "{\"op\":\"file.read\",\"path\":\"/data/real/file-link\"}",
                "{\"op\":\"file.write\",\"path\":\"/data/out/new.txt\",\"text\":\"x\"}",
                "{\"op\":\"file.write\",\"path\":\"/data/real/file-link\",\"text\":\"x\"}",
                "{\"op\":\"file.list\",\"path\":\"/data/out\"}",
                "{\"op\":\"file.list\",\"path\":\"/data/in\"}")) {
            assertThat(call(files, request).at("/error/type").asText()).as(request).isEqualTo("not_allowed");
        }
        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"/data/out/secret.txt\"}").at("/error/message").asText())
                .isEqualTo("/data/out/secret.txt goes through a symlink (out is a symlink), which file.* never follows");
        assertThat(outside.resolve("new.txt")).doesNotExist();
        assertThat(data.resolve("real/a.txt")).hasContent("inside");
        assertThat(call(files, "{\"op\":\"file.read\",\"path\":\"/data/real/a.txt\"}").get("text").asText()).isEqualTo("inside");
    }

    /**
     * Red-team finding 6 (issue #11): with a symlink to outside in a read-write grant, a second task renaming
     * directories in a loop made file.read return /etc/passwd and file.write create a file outside the grant, because
     * the gateway checked the real path and then opened the path again by name.
     */
    @Test
    void swappingADirectoryForASymlinkMeanwhileNeverLeadsOutside() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "SECRET");
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("sub/outside-only"), "");
        Files.createDirectories(data.resolve("d/sub"));
        Files.writeString(data.resolve("d/secret.txt"), "inside");
        Files.createSymbolicLink(data.resolve("link"), outside);
        FileGateway files = new FileGateway(List.of(new Mount(data.toString(), "/data", false)));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    Files.move(data.resolve("d"), data.resolve("parked"), StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("link"), data.resolve("d"), StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("d"), data.resolve("link"), StandardCopyOption.ATOMIC_MOVE);
                    Files.move(data.resolve("parked"), data.resolve("d"), StandardCopyOption.ATOMIC_MOVE);
                    swaps.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        swapper.start();
        int served = 0;
        try {
            for (int i = 0; i < 3000; i++) {
                JsonNode read = call(files, "{\"op\":\"file.read\",\"path\":\"/data/d/secret.txt\"}");
                assertThat(read.path("text").asText()).as("read %d", i).isNotEqualTo("SECRET");
                JsonNode deepWrite = call(files, "{\"op\":\"file.write\",\"path\":\"/data/d/sub/w" + i + ".txt\",\"text\":\"x\"}");
                JsonNode write = call(files, "{\"op\":\"file.write\",\"path\":\"/data/d/w" + i + ".txt\",\"text\":\"x\"}");
                JsonNode list = call(files, "{\"op\":\"file.list\",\"path\":\"/data/d/sub\"}");
                assertThat(list.path("entries").toString()).doesNotContain("outside-only");
                served += (read.has("error") ? 0 : 1) + (write.has("error") ? 0 : 1) + (deepWrite.has("error") ? 0 : 1);
                for (JsonNode reply : List.of(read, write, deepWrite, list)) {
                    if (reply.has("error")) {
                        assertThat(reply.at("/error/type").asText()).isIn("not_allowed", "not_found");
                    }
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        try (var outsideFiles = Files.walk(outside)) {
            assertThat(outsideFiles.map(outside::relativize).map(Path::toString).toList())
                    .containsExactlyInAnyOrder("", "secret.txt", "sub", "sub/outside-only");
        }
        assertThat(outside.resolve("secret.txt")).hasContent("SECRET");
        assertThat(swaps.get()).isGreaterThan(100);
        assertThat(served).isGreaterThan(100);
    }

    /** Red-team finding 7 (issue #11): file.write counts against the attempt's write quota. */
    @Test
    void writesPastTheQuotaAreRefusedBeforeTheFileIsTouched() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        WriteQuota quota = new WriteQuota(10);
        FileGateway files = new FileGateway(List.of(new Mount(data.toString(), "/data", false)), quota);

        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data/a.txt\",\"text\":\"123456\"}").has("error")).isFalse();
        JsonNode refused = call(files, "{\"op\":\"file.write\",\"path\":\"/data/a.txt\",\"text\":\"abcdef\"}");

        assertThat(refused.at("/error/type").asText()).isEqualTo("limit_exceeded");
        assertThat(refused.at("/error/message").asText()).isEqualTo("/data/a.txt: write quota exceeded: the task may write 10 bytes"
                + " in total to its read-write grants and had written 6 bytes when a write was refused");
        assertThat(data.resolve("a.txt")).hasContent("123456");
        assertThat(quota.exceeded()).isTrue();
        assertThat(call(files, "{\"op\":\"file.write\",\"path\":\"/data/b.txt\",\"text\":\"1234\"}").has("error")).isFalse();
        assertThat(quota.writtenBytes()).isEqualTo(10);
    }
}
