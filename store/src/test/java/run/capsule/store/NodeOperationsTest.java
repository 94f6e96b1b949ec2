package run.capsule.store;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 16, item 3: what `capsule nodes` lists and how `capsule drain` is journaled (V14's columns and DRAINING status). */
class NodeOperationsTest {
    @TempDir
    Path dir;

    private Journal open(String database) {
        return Journal.open(database.equals("h2") ? JournalDatabases.h2(dir) : JournalDatabases.postgres());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void nodesAreListedWithHostVersionAndBusyRunnersAndDrainIsJournaled(String database) throws Exception {
        try (Journal journal = open(database)) {
            NodeRegistry nodes = journal.nodes();
            nodes.register(new NodeRegistration("node-a", 4, "host-a", 101, "0.1.0"));
            nodes.register(new NodeRegistration("node-b", 2, "host-b", 202, "0.2.0"));
            assertThat(nodes.heartbeat("node-a", 3)).contains(NodeStatus.ALIVE);

            NodeRow a = nodes.find("node-a").orElseThrow();
            assertThat(a).extracting(NodeRow::host, NodeRow::pid, NodeRow::version, NodeRow::runners, NodeRow::runnersBusy, NodeRow::status)
                    .containsExactly("host-a", 101L, "0.1.0", 4, 3, NodeStatus.ALIVE);
            assertThat(a.heartbeatAge()).isLessThan(Duration.ofSeconds(5));

            assertThat(nodes.requestDrain("node-b")).isEqualTo(DrainOutcome.REQUESTED);
            assertThat(nodes.requestDrain("node-b")).isEqualTo(DrainOutcome.ALREADY_DRAINING);
            assertThat(nodes.requestDrain("nobody")).isEqualTo(DrainOutcome.NOT_FOUND);
            // a draining node keeps its lease by heartbeating, and learns it must drain
            assertThat(nodes.heartbeat("node-b", 1)).contains(NodeStatus.DRAINING);
            assertThat(nodes.find("node-b").orElseThrow().drainRequestedAt()).isNotNull();

            // a draining node that dies is recovered like any other
            Thread.sleep(250);
            nodes.heartbeat("node-a", 0);
            assertThat(nodes.lapsed("node-a", Duration.ofMillis(200))).containsExactly("node-b");
            nodes.stopped("node-b");
            assertThat(nodes.requestDrain("node-b")).isEqualTo(DrainOutcome.NOT_RUNNING);
            assertThat(nodes.list()).extracting(NodeRow::id, NodeRow::status)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("node-a", NodeStatus.ALIVE),
                            org.assertj.core.groups.Tuple.tuple("node-b", NodeStatus.STOPPED));
            assertThat(nodes.heartbeat("node-b", 0)).contains(NodeStatus.STOPPED);
            assertThat(nodes.heartbeat("never-registered", 0)).isEmpty();
        }
    }
}
