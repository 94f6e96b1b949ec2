package run.capsule.runner.host;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostGrantsTest {
    @Test
    void patternsMatchHostsAndPorts() {
        HostGrants grants = new HostGrants(List.of("api.example.com", "*.example.org", "127.0.0.1:8080"));
        assertThat(grants.allows("api.example.com", 443)).isTrue();
        assertThat(grants.allows("API.example.com.", 80)).isTrue();
        assertThat(grants.allows("example.com", 443)).isFalse();
        assertThat(grants.allows("a.b.example.org", 443)).isTrue();
        assertThat(grants.allows("example.org", 443)).isFalse();
        assertThat(grants.allows("evilexample.org", 443)).isFalse();
        assertThat(grants.allows("127.0.0.1", 8080)).isTrue();
        assertThat(grants.allows("127.0.0.1", 8081)).isFalse();
        assertThat(new HostGrants(List.of()).allows("example.com", 443)).isFalse();
    }

    @Test
    void onlyExactPatternsGrantNonPublicAddresses() {
        HostGrants grants = new HostGrants(List.of("*", "*.internal", "db.local:5432"));
        assertThat(grants.allows("localhost", 80)).isTrue();
        assertThat(grants.allowsExactly("localhost", 80)).isFalse();
        assertThat(grants.allowsExactly("x.internal", 80)).isFalse();
        assertThat(grants.allowsExactly("db.local", 5432)).isTrue();
        assertThat(grants.allowsExactly("db.local", 5433)).isFalse();
    }
}
