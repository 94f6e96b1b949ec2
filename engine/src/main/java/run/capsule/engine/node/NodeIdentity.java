package run.capsule.engine.node;

import run.capsule.store.NodeRegistration;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Who a node is, as {@code capsule nodes} shows it: its host, process id and Capsule version. */
public final class NodeIdentity {
    /** This build's Capsule version, journaled by each node (docs/operations.md, rolling upgrades). */
    public static final String VERSION = "0.1.0";

    private NodeIdentity() {
    }

    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    public static long pid() {
        return ManagementFactory.getRuntimeMXBean().getPid();
    }

    public static NodeRegistration of(String nodeId, int runners) {
        return new NodeRegistration(nodeId, runners, host(), pid(), VERSION);
    }
}
