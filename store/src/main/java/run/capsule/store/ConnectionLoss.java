package run.capsule.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** Whether a journal call failed because the database connection did (a restart, a cut network), not the statement. */
public final class ConnectionLoss {
    private ConnectionLoss() {
    }

    /**
     * SQL states of class 08 (connection exception) and 57P (PostgreSQL shutting down or restarting: 57P01 is what a
     * restart sends every session), a pool that could not hand out a connection in time, or a connection closed under
     * the statement, on {@code e} or any of its causes.
     */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
                    return true;
                }
                if (sql.getMessage() != null && sql.getMessage().contains("Connection is closed")) {
                    return true;
                }
            }
        }
        return false;
    }
}
