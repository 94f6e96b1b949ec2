package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.guards.SecretBox;
import run.capsule.engine.queue.Worker;
import run.capsule.engine.queue.WorkerOptions;
import run.capsule.engine.spec.EnvGrant;
import run.capsule.engine.spec.SubmitOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/**
 * Issue 11, finding 2: {@code --env} values sat in {@code task_secrets} in plain text forever, readable by anyone who could
 * read the journal. They are now sealed with a key kept outside the journal and deleted once their task has ended.
 */
class JournalSecretsTest {
    @TempDir
    Path dir;

    @Test
    void environmentValuesAreSealedAndForgottenWhenTheTaskEnds() throws Exception {
        JournalConfig journal = JournalConfig.embedded(dir.resolve(".capsule"));
        TaskSpec spec = TaskSpec.builder(TestModules.sample("hello/hello.wasm")).env(new EnvGrant("API_KEY", "sk-live-123")).build();
        String id;
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(journal).runners(1).build())) {
            id = capsule.submit(spec, SubmitOptions.NOW).taskId();
            List<String> stored = secrets(journal);
            assertThat(stored).hasSize(1);
            assertThat(stored.get(0)).startsWith(SecretBox.PREFIX).doesNotContain("sk-live-123").doesNotContain("API_KEY");
            assertThat(capsule.query("select * from tasks", 10).toString()).doesNotContain("sk-live-123");

            try (Worker worker = capsule.startWorker(WorkerOptions.DEFAULT)) {
                TaskResult result = capsule.await(id, java.time.Duration.ofSeconds(60)).orElseThrow();
                assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
            }
        }
        assertThat(secrets(journal)).as("forgotten once the task ended").isEmpty();
        assertThat(dir.resolve(".capsule").resolve("secrets.key")).exists();
    }

    private static List<String> secrets(JournalConfig journal) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(journal.jdbcUrl(), journal.user(), journal.password());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select env_json from task_secrets")) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
