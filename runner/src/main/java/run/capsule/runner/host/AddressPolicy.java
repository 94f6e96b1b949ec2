package run.capsule.runner.host;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which resolved addresses a guest's request may connect to without an exact host grant: public unicast only.
 * Refused: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10),
 * unspecified, multicast, carrier-grade NAT (100.64/10) and the cloud metadata addresses (169.254.169.254,
 * fd00:ec2::254, which the ranges above cover too).
 */
public final class AddressPolicy {
    private AddressPolicy() {
    }

    /** Why the address is not public, or empty when it is. */
    public static Optional<String> nonPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (address.isAnyLocalAddress()) {
            return Optional.of("unspecified");
        }
        if (address.isLoopbackAddress()) {
            return Optional.of("loopback");
        }
        if (address.isMulticastAddress()) {
            return Optional.of("multicast");
        }
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 169 && second == 254) {
                return Optional.of((b[2] & 0xff) == 169 && (b[3] & 0xff) == 254 ? "cloud metadata" : "link-local");
            }
            if (first == 10 || first == 172 && (second & 0xf0) == 16 || first == 192 && second == 168) {
                return Optional.of("private");
            }
            if (first == 100 && (second & 0xc0) == 64) {
                return Optional.of("carrier-grade NAT");
            }
            if (first == 0) {
                return Optional.of("unspecified");
            }
            if (first >= 240) {
                return Optional.of("reserved");
            }
            return Optional.empty();
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
                return Optional.of("link-local");
            }
            if ((first & 0xfe) == 0xfc) {
                return Optional.of(isEc2Metadata(b) ? "cloud metadata" : "private");
            }
            if (isMappedOrCompatibleV4(b)) {
                return Optional.of("IPv4-mapped");
            }
            return Optional.empty();
        }
        return Optional.of("unknown address family");
    }

    private static boolean isEc2Metadata(byte[] b) {
        byte[] metadata = {(byte) 0xfd, 0, 0x0e, (byte) 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x54};
        return Arrays.equals(b, metadata);
    }

    /** ::ffff:a.b.c.d and ::a.b.c.d; Java usually turns the first into an Inet4Address already. */
    private static boolean isMappedOrCompatibleV4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == b[11] && (b[10] == 0 || b[10] == (byte) 0xff);
    }
}
