package run.capsule.bench.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The invariants a chaos run must keep, read with SQL from the journal once every task has ended; each violation is one
 * line naming the task.
 */
final class JournalChecks {
    private final Connection db;
    private final List<String> violations = new ArrayList<>();

    JournalChecks(Connection db) {
        this.db = db;
    }

    List<String> violations() {
        return violations;
    }

    /** A task row as the checks read it. */
    record Row(String id, String status, String result, String errorType, String errorMessage) {
    }

    /** Every acknowledged submit is in the journal, under its key, and ended as its program implies. */
    Map<TaskKind, int[]> submitted(List<ChaosWorkload.Submitted> submitted) throws SQLException {
        Map<String, Row> byKey = new HashMap<>();
        try (PreparedStatement q = db.prepareStatement(
                "select idempotency_key, id, status, result, error_type, error_message from tasks where idempotency_key like 'chaos-%'");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                byKey.put(rs.getString(1), new Row(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)));
            }
        }
        Map<TaskKind, int[]> tally = new java.util.EnumMap<>(TaskKind.class);
        for (ChaosWorkload.Submitted s : submitted) {
            int[] counts = tally.computeIfAbsent(s.kind(), k -> new int[3]);
            counts[0]++;
            Row row = byKey.get(s.key());
            if (row == null || !row.id().equals(s.taskId())) {
                violations.add("acknowledged submit " + s.key() + " (task " + s.taskId() + ") is not in the journal");
                continue;
            }
            if (row.status().equals(s.kind().expected.name())) {
                counts[1]++;
            } else {
                counts[2]++;
                violations.add(s.kind() + " task " + row.id() + " ended " + row.status() + " (expected " + s.kind().expected + "): "
                        + row.errorType() + ": " + row.errorMessage());
                continue;
            }
            String expectedResult = switch (s.kind()) {
                case HELLO -> "Hello, " + s.key() + "!";
                case FAMILY -> "30";
                case SLEEPER -> "slept " + s.key();
                case FLAKY, DOOMED -> null;
            };
            if (expectedResult != null && (row.result() == null || !row.result().contains(expectedResult))) {
                violations.add(s.kind() + " task " + row.id() + " succeeded with " + row.result() + ", expected " + expectedResult);
            }
        }
        return tally;
    }

    /** Exactly one SUCCEEDED attempt per succeeded task, none for the others; no attempt or task left unfinished. */
    void attempts() throws SQLException {
        each("""
                select t.id, t.status, count(a.task_id) from tasks t left join attempts a on a.task_id = t.id and a.status = 'SUCCEEDED'
                group by t.id, t.status having (t.status = 'SUCCEEDED' and count(a.task_id) <> 1) or (t.status <> 'SUCCEEDED' and count(a.task_id) > 0)
                """, r -> "task " + r.getString(1) + " is " + r.getString(2) + " with " + r.getLong(3) + " SUCCEEDED attempt(s)");
        each("select task_id, attempt_no, node_id from attempts where status = 'RUNNING'",
                r -> "attempt " + r.getInt(2) + " of task " + r.getString(1) + " left RUNNING on " + r.getString(3));
        each("select id, status from tasks where status in ('PENDING', 'RUNNING', 'RETRY_WAIT')",
                r -> "task " + r.getString(1) + " never ended: " + r.getString(2));
    }

    /** Each child was created by exactly one journaled step, and every FAMILY task has its three children, all succeeded. */
    void children() throws SQLException {
        each("select t.id, t.parent_id from tasks t where t.parent_id is not null and not exists (select 1 from steps s where s.child_id = t.id)",
                r -> "child " + r.getString(1) + " of " + r.getString(2) + " was created by no journaled step (created twice?)");
        each("select child_id, count(*) from steps where child_id is not null group by child_id having count(*) > 1",
                r -> "child " + r.getString(1) + " is named by " + r.getLong(2) + " steps");
        each("""
                select p.id, count(c.id), sum(case when c.status = 'SUCCEEDED' then 1 else 0 end) from tasks p join tasks c on c.parent_id = p.id
                where p.idempotency_key like 'chaos-%' group by p.id having count(c.id) <> 3 or sum(case when c.status = 'SUCCEEDED' then 1 else 0 end) <> 3
                """, r -> "FAMILY task " + r.getString(1) + " has " + r.getLong(2) + " children, " + r.getLong(3) + " succeeded (expected 3, 3)");
    }

    /**
     * FLAKY tasks ran at least twice without success before they succeeded (an attempt killed after the program counted
     * itself ends as runner_crashed or ABANDONED rather than task_error); SLEEPER tasks suspended at least once.
     */
    void programsRanAsWritten(List<ChaosWorkload.Submitted> submitted) throws SQLException {
        Map<String, long[]> perTask = new HashMap<>();
        try (PreparedStatement q = db.prepareStatement("""
                select t.idempotency_key, sum(case when a.status in ('FAILED', 'ABANDONED') then 1 else 0 end),
                       sum(case when a.status = 'SUSPENDED' then 1 else 0 end)
                from tasks t join attempts a on a.task_id = t.id where t.idempotency_key like 'chaos-%' group by t.idempotency_key
                """); ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                perTask.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        for (ChaosWorkload.Submitted s : submitted) {
            long[] n = perTask.getOrDefault(s.key(), new long[2]);
            if (s.kind() == TaskKind.FLAKY && n[0] < 2) {
                violations.add("FLAKY task " + s.taskId() + " has " + n[0] + " failed attempts, expected at least 2");
            }
            if (s.kind() == TaskKind.SLEEPER && n[1] < 1) {
                violations.add("SLEEPER task " + s.taskId() + " never suspended");
            }
        }
    }

    long count(String sql) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql); ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    interface RowText {
        String of(ResultSet row) throws SQLException;
    }

    private void each(String sql, RowText text) throws SQLException {
        try (PreparedStatement q = db.prepareStatement(sql); ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                violations.add(text.of(rs));
            }
        }
    }
}
