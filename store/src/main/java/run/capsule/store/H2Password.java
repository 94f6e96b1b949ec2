package run.capsule.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Journals created before the admin password existed have an empty one: the first open with a password sets it, so no
 * local account can connect with {@code sa} and an empty password any more.
 */
final class H2Password {
    private H2Password() {
    }

    /** Sets the password on a journal that still has an empty one; false when it could not (the journal is in use). */
    static boolean setIfStillEmpty(JournalConfig config) {
        String url = config.jdbcUrl().replace(";AUTO_SERVER=TRUE", "") + ";IFEXISTS=TRUE";
        try (Connection connection = DriverManager.getConnection(url, config.user(), "")) {
            try (Statement statement = connection.createStatement()) {
                // H2's own statement (docs/sql.md): the password cannot be a bind parameter; it is hex from PrivateFiles.secret
                statement.execute("ALTER USER " + config.user() + " SET PASSWORD '" + config.password().replace("'", "''") + "'");
            }
            return true;
        } catch (SQLException e) {
            return false; // in use by another process, or not an empty password after all
        }
    }
}
