package db.migration;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Creates the tables of Quartz's JDBC job store from the DDL script that ships inside the Quartz jar for this
 * database (H2 or PostgreSQL), so the schema always matches the Quartz version on the class path. DROP
 * statements in the script are skipped; H2 gets BLOB where the script says IMAGE.
 */
public class V3__quartz_tables extends BaseJavaMigration {
    @Override
    public void migrate(Context context) throws Exception {
        String product = context.getConnection().getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        boolean h2 = product.contains("h2");
        String resource = "/org/quartz/impl/jdbcjobstore/" + (h2 ? "tables_h2.sql" : "tables_postgres.sql");
        try (Statement statement = context.getConnection().createStatement()) {
            for (String sql : statements(read(resource))) {
                statement.execute(h2 ? sql.replaceAll("(?i)\\bIMAGE\\b", "BLOB") : sql);
            }
        }
    }

    private static String read(String resource) throws IOException {
        try (InputStream in = V3__quartz_tables.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("Quartz DDL " + resource + " not found on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<String> statements(String script) {
        StringBuilder code = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("--") && !trimmed.startsWith("#")) {
                code.append(line).append('\n');
            }
        }
        List<String> out = new ArrayList<>();
        for (String part : code.toString().split(";")) {
            String sql = part.strip();
            String lower = sql.toLowerCase(Locale.ROOT);
            if (sql.isEmpty() || lower.equals("commit") || lower.startsWith("drop ")) {
                continue;
            }
            out.add(sql);
        }
        return out;
    }
}
