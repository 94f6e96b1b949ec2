package run.capsule.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.service.http.Route;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every route the server has is in openapi.yaml, and every operation of openapi.yaml is a route (the dashboard's files aside). */
class RoutesMatchOpenApiTest {
    private static final Pattern PATH = Pattern.compile("^  (/\\S*):\\s*$");
    private static final Pattern METHOD = Pattern.compile("^    (get|post|put|patch|delete|head|options):.*$");

    @RegisterExtension
    static final ServiceNode node = ServiceNode.withRunners(1);

    static Set<String> documented(String yaml) {
        Set<String> operations = new TreeSet<>();
        String path = null;
        boolean inPaths = false;
        for (String line : yaml.lines().toList()) {
            if (!line.startsWith(" ")) {
                inPaths = line.startsWith("paths:");
                path = null;
                continue;
            }
            if (!inPaths) {
                continue;
            }
            Matcher p = PATH.matcher(line);
            if (p.matches()) {
                path = p.group(1);
                continue;
            }
            Matcher m = METHOD.matcher(line);
            if (m.matches() && path != null) {
                operations.add(m.group(1).toUpperCase(Locale.ROOT) + " " + path);
            }
        }
        return operations;
    }

    @Test
    void theServersRoutesAndTheDocumentsOperationsAreTheSame() throws Exception {
        String yaml;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> served = new TreeSet<>();
        for (Route route : node.service().routes()) {
            if (!route.pattern().endsWith("...}")) {
                served.add(route.method() + " " + route.pattern());
            }
        }

        assertThat(documented(yaml)).hasSizeGreaterThan(15).containsExactlyElementsOf(served);
        assertThat(node.api().get("/api/v1/openapi.yaml").text()).isEqualTo(yaml);
    }
}
