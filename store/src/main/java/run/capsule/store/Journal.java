package run.capsule.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The journal database: a connection pool, the schema migrated by Flyway on open, and the jOOQ context.
 * Identifiers are rendered unquoted so that H2 and PostgreSQL each apply their own case folding.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        // H2's AUTO_SERVER (an embedded journal shared by several processes) listens on loopback only, never on every interface
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", "127.0.0.1");
        }
    }

    private final JournalConfig config;
    private final HikariDataSource dataSource;
    private final DSLContext dsl;
    private final TaskJournal tasks;
    private final StepJournal steps;
    private final ModuleStore modules;
    private final NodeRegistry nodes;
    private final ReadOnlySql readOnlySql;
    private final TaskListing listing;
    private final EventFeed eventFeed;
    private final JournalStats stats;
    private final AttemptOutputs outputs;
    private final TaskPruning pruning;
    private final TreeExport export;

    private Journal(JournalConfig config, HikariDataSource dataSource, DSLContext dsl) {
        this.config = config;
        this.dataSource = dataSource;
        this.dsl = dsl;
        this.tasks = new TaskJournal(dsl);
        this.steps = new StepJournal(dsl);
        this.modules = new ModuleStore(dsl);
        this.nodes = new NodeRegistry(dsl);
        this.readOnlySql = new ReadOnlySql(config, dataSource);
        this.listing = new TaskListing(dsl);
        this.eventFeed = new EventFeed(dsl);
        this.stats = new JournalStats(dsl);
        this.outputs = new AttemptOutputs(dsl);
        this.pruning = new TaskPruning(dsl);
        this.export = new TreeExport(dsl);
    }

    /**
     * The version of the newest migration in {@code migrations/}. A journal already at this version is opened without
     * starting Flyway (about 0.4 s of a short command's start); a new one is migrated, an older one too when its
     * {@link JournalConfig#autoMigrate()} says so (else it is refused until {@code capsule migrate}), a newer one is
     * refused (docs/operations.md). JournalSchemaTest keeps it in step with the migrations.
     */
    public static final int SCHEMA_VERSION = 21;

    static Flyway flyway(DataSource dataSource) throws SQLException {
        return Flyway.configure().dataSource(dataSource).locations("classpath:db/migration", "classpath:db/vendor/" + vendor(dataSource)).load();
    }

    /** The folder of the few migrations that differ between H2 and PostgreSQL: {@code db/vendor/h2} or {@code db/vendor/postgresql}. */
    private static String vendor(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return connection.getMetaData().getURL().startsWith("jdbc:h2:") ? "h2" : "postgresql";
        }
    }

    /** The newest successfully applied migration's version, or -1 (no history yet, or a failed migration). */
    static int appliedSchemaVersion(DSLContext dsl) {
        SchemaState state = SchemaState.read(dsl);
        return state.failed() ? -1 : state.applied();
    }

    public static Journal open(JournalConfig config) {
        Journal journal = openPool(config);
        config.fileDirectory().ifPresent(dir -> PrivateFiles.files(dir, config.fileBaseName() + "."));
        return journal;
    }

    private static Journal openPool(JournalConfig config) {
        HikariDataSource dataSource = dataSource(config);
        try {
            DSLContext dsl = dsl(dataSource, config);
            SchemaState schema = SchemaState.read(dsl);
            String refusal = schema.refusal(config.autoMigrate(), config.redactedUrl());
            if (refusal != null) {
                throw new JournalException(refusal);
            }
            if (!schema.current()) {
                if (!schema.fresh()) {
                    LOG.warn("migrating the journal {} from schema version {} to {}; on a large journal this can take minutes (docs/operations.md)",
                            config.redactedUrl(), schema.applied(), SCHEMA_VERSION);
                }
                flyway(dataSource).migrate();
            }
            if (config.isH2()) {
                ReadOnlySql.ensureH2Reader(dataSource, config);
            }
            return new Journal(config, dataSource, dsl);
        } catch (FlywayException | SQLException e) {
            dataSource.close();
            throw new JournalException("cannot migrate journal database " + config.redactedUrl() + ": " + rootMessage(e), e);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    static DSLContext dsl(DataSource dataSource, JournalConfig config) {
        SQLDialect dialect = config.isH2() ? SQLDialect.H2 : SQLDialect.POSTGRES;
        Settings settings = new Settings()
                .withRenderQuotedNames(RenderQuotedNames.NEVER)
                .withRenderSchema(false)
                .withExecuteLogging(false);
        return DSL.using(dataSource, dialect, settings);
    }

    /** The journal's connection pool (HikariCP): {@code poolSize} connections at most, see docs/operations.md. */
    static HikariDataSource dataSource(JournalConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.jdbcUrl());
        if (config.user() != null) {
            hikari.setUsername(config.user());
        }
        if (config.password() != null) {
            hikari.setPassword(config.password());
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(1);
        hikari.setPoolName("capsule-journal");
        hikari.setInitializationFailTimeout(10_000);
        try {
            return new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new JournalException("cannot open journal database " + config.redactedUrl() + ": " + rootMessage(e), e);
        }
    }

    public StepJournal steps() {
        return steps;
    }

    public TaskJournal tasks() {
        return tasks;
    }

    public ModuleStore modules() {
        return modules;
    }

    public NodeRegistry nodes() {
        return nodes;
    }

    /** Filtered pages of tasks (the service's task list). */
    public TaskListing listing() {
        return listing;
    }

    /** Status changes by id, for live streams. */
    public EventFeed eventFeed() {
        return eventFeed;
    }

    public JournalStats stats() {
        return stats;
    }

    /** The guest's stdout and stderr of each attempt. */
    public AttemptOutputs outputs() {
        return outputs;
    }

    /** The pool's data source, for components that share the journal's database (Quartz's job store). */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Deleting finished task trees (capsule prune). */
    public TaskPruning pruning() {
        return pruning;
    }

    /** Reading whole task trees (capsule export). */
    public TreeExport export() {
        return export;
    }

    public ReadOnlySql readOnlySql() {
        return readOnlySql;
    }

    public JournalConfig config() {
        return config;
    }

    /** Wake-ups of workers when another process queues a task (PostgreSQL's LISTEN/NOTIFY; nothing on H2). */
    public QueueSignals queueSignals() {
        return new QueueSignals(config);
    }

    /** For vendor-specific administration in tests and tools; application code goes through the typed APIs. */
    public DSLContext dsl() {
        return dsl;
    }

    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void close() {
        dataSource.close();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null ? t.getClass().getSimpleName() : message.lines().findFirst().orElse(message);
    }
}
