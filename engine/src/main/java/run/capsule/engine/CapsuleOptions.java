package run.capsule.engine;

import run.capsule.runner.NativeLibrary;
import run.capsule.store.JournalConfig;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** How an engine is set up: its journal, runner pool and caches. Immutable; build with {@link #builder()}. */
public record CapsuleOptions(JournalConfig journal, int runners, Path cacheDir, String nodeId, Duration runnerStartTimeout,
                             Duration killGrace) {

    public CapsuleOptions {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(nodeId, "nodeId");
        if (runners < 1) {
            throw new InvalidInputException("the runner pool needs at least one runner, got " + runners);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private JournalConfig journal = JournalConfig.embedded(Path.of(".capsule"));
        private int runners = Runtime.getRuntime().availableProcessors();
        private Path cacheDir = NativeLibrary.defaultCacheDir();
        private String nodeId = defaultNodeId();
        private Duration runnerStartTimeout = Duration.ofSeconds(30);
        private Duration killGrace = Duration.ofSeconds(30);

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

        public CapsuleOptions build() {
            return new CapsuleOptions(journal, runners, cacheDir, nodeId, runnerStartTimeout, killGrace);
        }
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "/" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
