package run.capsule.engine.execution;

import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which journal errors are a lost connection, and retrying a call through one (the chaos harness's database restart). */
class JournalOutageTest {
    private static DataAccessException cut() {
        return new DataAccessException("SQL [update tasks ...]; FATAL: terminating connection due to administrator command",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
    }

    @Test
    void aRestartOrAnExhaustedPoolIsAConnectionLossAndABadStatementIsNot() {
        assertThat(JournalOutage.isConnectionLoss(cut())).isTrue();
        assertThat(JournalOutage.isConnectionLoss(new DataAccessException("x", new SQLException("I/O error", "08006")))).isTrue();
        assertThat(JournalOutage.isConnectionLoss(new RuntimeException(new SQLTransientConnectionException("pool timed out")))).isTrue();
        assertThat(JournalOutage.isConnectionLoss(new DataAccessException("x", new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(JournalOutage.isConnectionLoss(new IllegalStateException("no"))).isFalse();
    }

    @Test
    void aCallIsRetriedThroughAnOutageWithGrowingBackoffAndOtherErrorsAreThrownAtOnce() throws InterruptedException {
        JournalOutage outage = new JournalOutage("test");
        AtomicInteger calls = new AtomicInteger();
        String value = outage.untilReachable(() -> {
            if (calls.incrementAndGet() < 4) {
                throw cut();
            }
            return "written";
        });
        assertThat(value).isEqualTo("written");
        assertThat(calls).hasValue(4);
        assertThat(JournalOutage.backoff(0)).hasMillis(100);
        assertThat(JournalOutage.backoff(3)).hasMillis(800);
        assertThat(JournalOutage.backoff(50)).isEqualTo(JournalOutage.MAX_BACKOFF);

        AtomicInteger bad = new AtomicInteger();
        assertThatThrownBy(() -> outage.untilReachable(() -> {
            bad.incrementAndGet();
            throw new DataAccessException("x", new SQLException("duplicate key", "23505"));
        })).isInstanceOf(DataAccessException.class);
        assertThat(bad).hasValue(1);
    }
}
