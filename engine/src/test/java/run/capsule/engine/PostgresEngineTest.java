package run.capsule.engine;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import run.capsule.store.JournalConfig;
import run.capsule.store.TaskStatus;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

/** The same engine on a real PostgreSQL server: the scale-out journal. */
class PostgresEngineTest {
    @Test
    void runsAndJournalsOnPostgres() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            JournalConfig journal = JournalConfig.of(pg.getJdbcUrl("postgres", "postgres")).withCredentials("postgres", "postgres");
            String firstId;
            try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(journal).runners(1)
                    .cacheDir(Files.createTempDirectory("capsule-cache")).build())) {
                TaskResult result = capsule.run(TaskSpec.builder(TestModules.sample("hello/hello.wasm")).arg("Postgres").build());
                assertThat(result.success()).isTrue();
                assertThat(result.result().asText()).isEqualTo("Hello, Postgres!");
                firstId = result.execution().taskId();
            }
            try (Capsule capsule = Capsule.open(CapsuleOptions.builder().journal(journal).runners(1).build())) {
                assertThat(capsule.task(firstId)).hasValueSatisfying(t -> assertThat(t.status()).isEqualTo(TaskStatus.SUCCEEDED));
                assertThat(capsule.query("select status, count(*) as n from tasks group by status", 10).rows())
                        .containsExactly(java.util.List.of("SUCCEEDED", 1L));
            }
        }
    }

}
