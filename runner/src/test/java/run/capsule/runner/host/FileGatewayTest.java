package run.capsule.runner.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.runner.protocol.Mount;

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
}
