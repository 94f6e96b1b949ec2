package run.capsule.engine.node;

import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.capsule.store.Journal;
import run.capsule.store.NewTask;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import run.capsule.engine.programs.PreparedTask;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.TaskIds;

/**
 * Capsule's timers as Quartz jobs in the journal's database (Quartz's clustered JDBC job store, its tables
 * created by the Flyway migrations), so a timer survives restarts and fires on exactly one node: retry timers
 * (RETRY_WAIT to PENDING when due) and recurring schedules (a new task at each cron firing). Only workers start
 * the scheduler; clients use it to add and remove schedules.
 */
public final class RetryTimers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RetryTimers.class);
    static final String RETRY_GROUP = "capsule-retry";
    static final String SCHEDULE_GROUP = "capsule-schedule";
    private static final String DATA_SOURCE = "capsuleJournal";
    private final Scheduler scheduler;
    private final boolean owned;

    private RetryTimers(Scheduler scheduler, boolean owned) {
        this.scheduler = scheduler;
        this.owned = owned;
    }

    /** Starts the timers of a worker node; {@code wake} is called when a task became due. */
    public static RetryTimers start(Journal journal, String nodeId, Runnable wake) {
        RetryTimers timers = create(journal, nodeId, wake);
        try {
            if (timers.owned) {
                timers.scheduler.start();
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start Quartz: " + e.getMessage(), e);
        }
        return timers;
    }

    /** The timers of a client: schedules can be added, listed and deleted; nothing fires here. */
    public static RetryTimers client(Journal journal, String nodeId) {
        return create(journal, nodeId, () -> { });
    }

    private static RetryTimers create(Journal journal, String nodeId, Runnable wake) {
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
            // Quartz keeps one live scheduler per name in a JVM: a client inside a worker's JVM borrows the worker's.
            Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
            if (scheduler.isStarted()) {
                return new RetryTimers(scheduler, false);
            }
            scheduler.setJobFactory((bundle, s) -> {
                JobDataMap data = bundle.getJobDetail().getJobDataMap();
                if (SCHEDULE_GROUP.equals(bundle.getJobDetail().getKey().getGroup())) {
                    return (Job) context -> {
                        Instant fireTime = context.getScheduledFireTime().toInstant();
                        submitScheduled(journal, data, fireTime);
                        wake.run();
                    };
                }
                String taskId = data.getString("taskId");
                return (Job) context -> {
                    if (journal.tasks().makeDue(taskId, "retry due (timer)")) {
                        wake.run();
                    }
                };
            });
            return new RetryTimers(scheduler, true);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot create the Quartz scheduler: " + e.getMessage(), e);
        }
    }

    private static void submitScheduled(Journal journal, JobDataMap data, Instant fireTime) {
        String name = data.getString("name");
        NewTask task = new NewTask(TaskIds.next(), data.getString("taskName"), null, data.getString("moduleSha256"),
                Integer.parseInt(data.getString("maxRetries")), data.getString("configJson"), data.getString("envJson"), null,
                "schedule:" + name + ":" + fireTime.atOffset(ZoneOffset.UTC));
        byte[] module = journal.modules().get(task.moduleSha256()).orElseThrow(
                () -> new IllegalStateException("module of schedule " + name + " is missing"));
        journal.tasks().create(task, module);
    }

    /** Schedules (or moves) the timer that makes the task's retry due at {@code at}. */
    public void schedule(String taskId, Instant at) {
        JobDetail job = JobBuilder.newJob(Job.class).withIdentity(taskId, RETRY_GROUP).usingJobData("taskId", taskId).build();
        Trigger trigger = TriggerBuilder.newTrigger()
                .withIdentity(taskId, RETRY_GROUP)
                .startAt(Date.from(at))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
                .build();
        try {
            scheduler.scheduleJob(job, Set.of(trigger), true);
        } catch (SchedulerException e) {
            log.warn("cannot schedule the retry timer of task {} (the sweep will make it due): {}", taskId, e.getMessage());
        }
    }

    /** Adds a recurring schedule: at each firing of {@code cron} (Quartz syntax, UTC) a new task is queued. */
    public void addSchedule(String name, String cron, PreparedTask prepared, String sealedEnvJson) {
        if (!CronExpression.isValidExpression(cron)) {
            throw new InvalidInputException("invalid --cron '" + cron + "': use Quartz cron syntax, e.g. \"0 */5 * * * ?\"");
        }
        JobDetail job = JobBuilder.newJob(Job.class).withIdentity(name, SCHEDULE_GROUP).storeDurably()
                .usingJobData("name", name)
                .usingJobData("taskName", prepared.spec().name())
                .usingJobData("moduleSha256", prepared.moduleSha256())
                .usingJobData("maxRetries", Integer.toString(prepared.spec().retryPolicy().maxRetries()))
                .usingJobData("configJson", prepared.configJson())
                .usingJobData("envJson", sealedEnvJson)
                .build();
        CronTrigger trigger = TriggerBuilder.newTrigger().withIdentity(name, SCHEDULE_GROUP)
                .withSchedule(CronScheduleBuilder.cronSchedule(cron).inTimeZone(TimeZone.getTimeZone("UTC"))
                        .withMisfireHandlingInstructionFireAndProceed())
                .build();
        try {
            if (scheduler.checkExists(JobKey.jobKey(name, SCHEDULE_GROUP))) {
                throw new InvalidInputException("a schedule named '" + name + "' exists already");
            }
            scheduler.scheduleJob(job, Set.of(trigger), false);
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot store the schedule: " + e.getMessage(), e);
        }
    }

    /** A recurring schedule as stored. */
    public record Schedule(String name, String cron, String taskName, Instant nextFire, boolean paused) {
    }

    public List<Schedule> schedules() {
        List<Schedule> out = new ArrayList<>();
        try {
            for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(SCHEDULE_GROUP))) {
                Trigger trigger = scheduler.getTrigger(TriggerKey.triggerKey(key.getName(), SCHEDULE_GROUP));
                JobDataMap data = scheduler.getJobDetail(key).getJobDataMap();
                out.add(new Schedule(key.getName(), trigger instanceof CronTrigger c ? c.getCronExpression() : "?",
                        data.getString("taskName"), trigger == null || trigger.getNextFireTime() == null ? null : trigger.getNextFireTime().toInstant(),
                        scheduler.getTriggerState(TriggerKey.triggerKey(key.getName(), SCHEDULE_GROUP)) == Trigger.TriggerState.PAUSED));
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot read schedules: " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Schedule::name));
        return out;
    }

    /** Pauses ({@code paused} true) or resumes a schedule; false when there is no such schedule. */
    public boolean pauseSchedule(String name, boolean paused) {
        JobKey key = JobKey.jobKey(name, SCHEDULE_GROUP);
        try {
            if (!scheduler.checkExists(key)) {
                return false;
            }
            if (paused) {
                scheduler.pauseJob(key);
            } else {
                scheduler.resumeJob(key);
            }
            return true;
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot " + (paused ? "pause" : "resume") + " the schedule: " + e.getMessage(), e);
        }
    }

    /** The modules recurring schedules run: a prune keeps them although no task may use them yet. */
    public Set<String> scheduledModules() {
        Set<String> modules = new java.util.HashSet<>();
        try {
            for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(SCHEDULE_GROUP))) {
                modules.add(scheduler.getJobDetail(key).getJobDataMap().getString("moduleSha256"));
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot read schedules: " + e.getMessage(), e);
        }
        return modules;
    }

    public boolean deleteSchedule(String name) {
        try {
            return scheduler.deleteJob(JobKey.jobKey(name, SCHEDULE_GROUP));
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot delete the schedule: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        try {
            scheduler.shutdown(true);
        } catch (SchedulerException e) {
            log.warn("Quartz shutdown: {}", e.getMessage());
        }
    }
}
