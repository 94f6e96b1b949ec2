package run.capsule.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: a node claims from two threads at once, its worker ({@code claimDue}) and its group commit
 * ({@code finishAttempts} with claims). On H2 both read the same unlocked candidates and, before the claim lock, both
 * took them as this node's: one failed on the attempts key (seen in a bench run). Each task must be claimed once.
 */
class SameNodeClaimsTest {
    private static final byte[] MODULE = "\0asm-same-node".getBytes(StandardCharsets.UTF_8);
    private static final int TASKS = 300;

    @TempDir
    Path dir;

    @Test
    void theWorkersClaimAndTheGroupCommitsClaimNeverTakeTheSameTask() throws Exception {
        try (Journal journal = Journal.open(JournalDatabases.h2(dir))) {
            TaskJournal tasks = journal.tasks();
            List<NewTask> queued = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                queued.add(new NewTask(UUID.randomUUID().toString(), "t", null, ModuleStore.sha256(MODULE), 0, "{\"args\":[]}"));
            }
            tasks.createAll(queued, java.util.Map.of(ModuleStore.sha256(MODULE), MODULE));
            List<Claim> claimed = Collections.synchronizedList(new ArrayList<>());
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<?> worker = threads.submit(() -> claimUntilEmpty(claimed, () -> tasks.claimDue("node-a", 2)));
                Future<?> groupCommit = threads.submit(() -> claimUntilEmpty(claimed,
                        () -> tasks.finishAttempts(List.of(), "node-a", 2).claims()));
                worker.get(120, TimeUnit.SECONDS);
                groupCommit.get(120, TimeUnit.SECONDS);
            } finally {
                threads.shutdownNow();
            }
            assertThat(claimed).extracting(Claim::taskId).hasSize(TASKS).doesNotHaveDuplicates();
            assertThat(journal.dsl().fetchCount(run.capsule.store.jooq.Tables.ATTEMPTS)).isEqualTo(TASKS);
        }
    }

    private static void claimUntilEmpty(List<Claim> claimed, Supplier<List<Claim>> claim) {
        int empty = 0;
        while (empty < 20) {
            List<Claim> got = claim.get();
            claimed.addAll(got);
            empty = got.isEmpty() ? empty + 1 : 0;
        }
    }
}
