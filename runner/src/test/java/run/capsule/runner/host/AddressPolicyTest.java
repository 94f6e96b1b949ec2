package run.capsule.runner.host;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AddressPolicyTest {
    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback", "127.8.9.1, loopback", "::1, loopback", "0.0.0.0, unspecified", "::, unspecified",
            "10.0.0.1, private", "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private",
            "fc00::1, private", "fdff::1, private", "169.254.1.1, link-local", "fe80::1, link-local",
            "169.254.169.254, cloud metadata", "fd00:ec2::254, cloud metadata", "224.0.0.1, multicast",
            "100.64.0.1, carrier-grade NAT", "::ffff:10.0.0.1, private", "::ffff:127.0.0.1, loopback"})
    void nonPublicAddressesAreNamed(String address, String kind) throws Exception {
        assertThat(AddressPolicy.nonPublic(InetAddress.getByName(address))).contains(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "172.32.0.1", "172.15.255.255", "8.8.8.8", "2606:2800:220:1::1", "100.128.0.1"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(AddressPolicy.nonPublic(InetAddress.getByName(address))).isEmpty();
    }
}
