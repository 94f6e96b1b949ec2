package run.capsule.service.dashboard;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard never turns text into markup: guest output, task names, arguments and errors are attacker-controlled,
 * so its scripts build nodes with textContent only (js/dom.js). The browser test shows it on a real page; this check
 * keeps a later edit from bringing in an HTML sink anywhere.
 */
class DashboardSourcesTest {
    private static final Path DASHBOARD = Path.of("src", "main", "resources", "dashboard");
    private static final Pattern HTML_SINKS = Pattern.compile(
            "\\.innerHTML|\\.outerHTML|insertAdjacentHTML|document\\.write|\\beval\\s*\\(|new\\s+Function\\s*\\(|createContextualFragment|DOMParser|srcdoc");
    private static final Pattern IMPORTS = Pattern.compile("from\\s+'(\\.[^']+)'");

    private static List<Path> files(String extension) throws IOException {
        try (Stream<Path> paths = Files.walk(DASHBOARD)) {
            return paths.filter(p -> p.toString().endsWith(extension)).sorted().toList();
        }
    }

    @Test
    void noScriptUsesAnHtmlSink() throws IOException {
        List<Path> scripts = files(".js");
        assertThat(scripts).isNotEmpty();
        for (Path script : scripts) {
            assertThat(HTML_SINKS.matcher(Files.readString(script)).find()).as(script + " uses an HTML sink").isFalse();
        }
    }

    @Test
    void noInlineScriptOrStyleSoAStrictContentSecurityPolicyHolds() throws IOException {
        for (Path page : files(".html")) {
            String html = Files.readString(page);
            assertThat(html).as(page.toString()).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("style=").doesNotContainPattern("\\son[a-z]+=");
        }
    }

    @Test
    void everyImportedModuleExists() throws IOException {
        for (Path script : files(".js")) {
            Matcher imports = IMPORTS.matcher(Files.readString(script));
            while (imports.find()) {
                assertThat(script.resolveSibling(imports.group(1)).normalize()).as("imported by " + script).isRegularFile();
            }
        }
    }
}
