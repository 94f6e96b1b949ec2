package run.capsule.engine;

import run.capsule.runner.NativeLibrary;
import run.capsule.engine.node.NodeIdentity;
import run.capsule.store.JournalConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import run.capsule.engine.spec.InvalidInputException;
import run.capsule.engine.spec.StepLimits;

/** How an engine is set up: its journal, runner pool and caches. Immutable; build with {@link #builder()}. */
public record CapsuleOptions(JournalConfig journal, int runners, Path cacheDir, String nodeId, Duration runnerStartTimeout,
                             Duration killGrace, Duration heartbeatInterval, Duration lease, int maxRecoveries,
                             boolean journalSteps, Duration suspendAfter, boolean startRunnerEarly, StepLimits stepLimits) {

    public CapsuleOptions {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(stepLimits, "stepLimits");
        if (lease.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new InvalidInputException("the lease (" + lease.toMillis() + " ms) must be at least twice the heartbeat interval ("
                    + heartbeatInterval.toMillis() + " ms)");
        }
        if (maxRecoveries < 0) {
            throw new InvalidInputException("max recoveries must not be negative");
        }
        if (runners < 1) {
            throw new InvalidInputException("the runner pool needs at least one runner, got " + runners);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private JournalConfig journal;
        private int runners = Runtime.getRuntime().availableProcessors();
        private Path cacheDir = NativeLibrary.defaultCacheDir();
        private String nodeId = defaultNodeId();
        private Duration runnerStartTimeout = Duration.ofSeconds(30);
        private Duration killGrace = Duration.ofSeconds(5);
        private Duration heartbeatInterval = Duration.ofSeconds(2);
        private Duration lease = Duration.ofSeconds(10);
        private int maxRecoveries = 5;
        private boolean journalSteps = true;
        private Duration suspendAfter = Duration.ofSeconds(30);
        private boolean startRunnerEarly;
        private boolean poolSizedForRunners;
        private StepLimits stepLimits = StepLimits.DEFAULTS;

        /**
         * Widens the journal's connection pool to at least {@code runners + 4} (docs/operations.md, *Connection pool per
         * node*): what {@code worker}, {@code serve} and {@code mcp} do, so that many runners do not queue for 4 connections.
         */
        public Builder poolSizedForRunners() {
            this.poolSizedForRunners = true;
            return this;
        }

        /** Caps on each task's journaled steps and how a replay's steps travel (docs/steps.md); {@link StepLimits#DEFAULTS} by default. */
        public Builder stepLimits(StepLimits limits) {
            this.stepLimits = limits;
            return this;
        }

        /**
         * Start one runner process while the journal opens, so that a node that runs one task right away (the CLI's
         * {@code run}) does not wait for it afterwards. Off by default.
         */
        public Builder startRunnerEarly(boolean early) {
            this.startRunnerEarly = early;
            return this;
        }

        /**
         * Whether Python and JavaScript tasks journal their steps for replay (docs/steps.md); on by default. Off only
         * to measure what journaling costs.
         */
        public Builder journalSteps(boolean journalSteps) {
            this.journalSteps = journalSteps;
            return this;
        }

        /** A {@code capsule.sleep} longer than this suspends the task instead of blocking its runner (default 30 s). */
        public Builder suspendAfter(Duration suspendAfter) {
            this.suspendAfter = suspendAfter;
            return this;
        }

        public Builder journal(JournalConfig journal) {
            this.journal = journal;
            return this;
        }

        /** The embedded H2 journal under {@code dir} (normally {@code ./.capsule}). */
        public Builder embeddedJournal(Path dir) {
            this.journal = JournalConfig.embedded(dir);
            return this;
        }

        public Builder runners(int runners) {
            this.runners = runners;
            return this;
        }

        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        public Builder nodeId(String nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        public Builder runnerStartTimeout(Duration timeout) {
            this.runnerStartTimeout = timeout;
            return this;
        }

        /** How long past its timeout an attempt may go before the engine kills its runner. */
        public Builder killGrace(Duration grace) {
            this.killGrace = grace;
            return this;
        }

        /** How often this node proves it is alive. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = interval;
            return this;
        }

        /** How long a node may miss heartbeats before its running attempts are abandoned and queued again. */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        /** How many times a task may be abandoned (its node lost) before it fails as {@code lost}. */
        public Builder maxRecoveries(int n) {
            this.maxRecoveries = n;
            return this;
        }

        /** Builds the options; without a journal set, the embedded one in {@code ./.capsule} (created now, private). */
        public CapsuleOptions build() {
            JournalConfig config = journal != null ? journal : JournalConfig.embedded(Path.of(".capsule"));
            if (poolSizedForRunners && config.poolSize() < runners + 4) {
                config = config.withPoolSize(runners + 4);
            }
            return new CapsuleOptions(config, runners, cacheDir, nodeId, runnerStartTimeout, killGrace, heartbeatInterval, lease,
                    maxRecoveries, journalSteps, suspendAfter, startRunnerEarly, stepLimits);
        }
    }

    private static String defaultNodeId() {
        return NodeIdentity.host() + "/" + NodeIdentity.pid();
    }
}
