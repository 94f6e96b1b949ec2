package run.capsule.engine;

import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.Journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Date;
import java.util.Properties;
import java.util.Set;

/**
 * Retry timers as Quartz jobs in the journal's database (Quartz's clustered JDBC job store, its tables created
 * by the Flyway migrations), so a timer survives restarts and fires on exactly one node. When it fires the
 * task goes from RETRY_WAIT to PENDING and this node's dispatcher is woken.
 */
final class RetryTimers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetryTimers.class);
    static final String GROUP = "capsule-retry";
    private static final String DATA_SOURCE = "capsuleJournal";
    private final Scheduler scheduler;

    private RetryTimers(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    static RetryTimers start(Journal journal, String nodeId, Runnable wake) {
        DBConnectionManager.getInstance().addConnectionProvider(DATA_SOURCE, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return journal.dataSource().getConnection();
            }

            @Override
            public void shutdown() {
            }

            @Override
            public void initialize() {
            }
        });
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "capsule");
        p.setProperty("org.quartz.scheduler.instanceId", nodeId);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "2");
        // acquire a trigger at most one second before it fires, so a node that stops holds none for long
        p.setProperty("org.quartz.scheduler.idleWaitTime", "1000");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", journal.config().isH2()
                ? "org.quartz.impl.jdbcjobstore.StdJDBCDelegate" : "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", DATA_SOURCE);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        try {
            StdSchedulerFactory factory = new StdSchedulerFactory(p);
            Scheduler scheduler = factory.getScheduler();
            scheduler.setJobFactory((bundle, s) -> {
                String taskId = bundle.getJobDetail().getJobDataMap().getString("taskId");
                return (Job) context -> {
                    if (journal.tasks().makeDue(taskId, "retry due (timer)")) {
                        wake.run();
                    }
                };
            });
            scheduler.start();
            return new RetryTimers(scheduler);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start Quartz retry timers: " + e.getMessage(), e);
        }
    }

    /** Schedules (or moves) the timer that makes the task's retry due at {@code at}. */
    void schedule(String taskId, Instant at) {
        JobDetail job = JobBuilder.newJob(Job.class)
                .withIdentity(taskId, GROUP)
                .usingJobData("taskId", taskId)
                .build();
        Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(taskId, GROUP)
                .startAt(Date.from(at))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .build();
        try {
            scheduler.scheduleJob(job, Set.of(trigger), true);
        } catch (SchedulerException e) {
            log.warn("cannot schedule the retry timer of task {} (the sweep will make it due): {}", taskId, e.getMessage());
        }
    }

    boolean hasTimer(String taskId) throws SchedulerException {
        return scheduler.checkExists(JobKey.jobKey(taskId, GROUP));
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(true);
        } catch (SchedulerException e) {
            log.warn("Quartz shutdown: {}", e.getMessage());
        }
    }
}
