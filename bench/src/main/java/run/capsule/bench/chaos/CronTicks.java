package run.capsule.bench.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The firings of the run's cron schedule (every {@link #PERIOD_SECONDS} s), read back from the tasks it queued: their
 * idempotency key holds the scheduled fire time, so a tick fired twice could not be queued twice. A tick missing
 * while the database was down is excused when a misfire firing ("fire once now", off the tick grid) followed it.
 */
final class CronTicks {
    static final String NAME = "chaos-tick";
    static final int PERIOD_SECONDS = 5;
    static final String CRON = "0/" + PERIOD_SECONDS + " * * * * ?";
    private static final String KEY_PREFIX = "schedule:" + NAME + ":";

    /** Ticks on the grid, misfire firings off it, missing ticks excused and not. */
    record Report(int onGrid, int misfired, int excused, List<Instant> missing, int notSucceeded) {
    }

    static Report check(Connection db, Instant from, Instant until) throws SQLException {
        TreeSet<Instant> onGrid = new TreeSet<>();
        TreeSet<Instant> offGrid = new TreeSet<>();
        int notSucceeded = 0;
        try (PreparedStatement q = db.prepareStatement("select idempotency_key, status from tasks where idempotency_key like ?")) {
            q.setString(1, KEY_PREFIX + "%");
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Instant fired = OffsetDateTime.parse(rs.getString(1).substring(KEY_PREFIX.length())).toInstant();
                    (onTheGrid(fired) ? onGrid : offGrid).add(fired);
                    if (!"SUCCEEDED".equals(rs.getString(2))) {
                        notSucceeded++;
                    }
                }
            }
        }
        List<Instant> missing = new ArrayList<>();
        int excused = 0;
        Instant tick = Instant.ofEpochSecond((from.getEpochSecond() / PERIOD_SECONDS + 1) * PERIOD_SECONDS);
        for (; tick.isBefore(until); tick = tick.plusSeconds(PERIOD_SECONDS)) {
            if (onGrid.contains(tick)) {
                continue;
            }
            Instant nextOnGrid = onGrid.higher(tick);
            Instant misfire = offGrid.higher(tick);
            if (misfire != null && (nextOnGrid == null || misfire.isBefore(nextOnGrid))) {
                excused++;
            } else {
                missing.add(tick);
            }
        }
        return new Report(onGrid.size(), offGrid.size(), excused, missing, notSucceeded);
    }

    private static boolean onTheGrid(Instant t) {
        return t.getNano() == 0 && t.getEpochSecond() % PERIOD_SECONDS == 0;
    }
}
