package run.capsule.service.dashboard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real headless Chromium against a real {@code capsule serve} (issue #13, evidence: the browser test).
 * Screenshots land in {@code target/screenshots/}.
 */
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A guest-controlled string that would run script if the page ever parsed it as HTML. */
    private static final String HOSTILE = "<img src=x onerror=\"window.__xss=1\">";

    /** Two quick children (one prints markup), then a child that spins until cancelled. */
    private static final String JOB = String.join("\n",
            "from capsule import task",
            "",
            "@task(name='quick', compute='LOW', ram='32MB', timeout='20s')",
            "def quick(item):",
            "    print('scored', item, '<img src=x onerror=\"window.__xss=3\">')",
            "    return {'item': item, 'score': len(item)}",
            "",
            "@task(name='spin', compute='HIGH', timeout='300s', max_retries=0)",
            "def spin():",
            "    while True:",
            "        pass",
            "",
            "@task(name='main', timeout='300s')",
            "def main(*items):",
            "    scores = [quick(item) for item in items]",
            "    spin()",
            "    return scores",
            "");

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void aJobWithChildrenShowsLiveIsFollowedDownAndUpAndIsCancelledFromItsPage() throws Exception {
        try (ServiceUnderTest serve = ServiceUnderTest.start(dir, 3, null, null);
             DashboardBrowser browser = DashboardBrowser.open(1280, 1000)) {
            browser.diagnostics(() -> serve.describe("/tasks"));
            browser.open(serve.url() + "/#/tasks");
            browser.element(WAIT, By.cssSelector("table.tasks"));
            browser.until(WAIT, "live events connected", d -> !d.findElement(By.id("live")).getAttribute("class").contains("off"));
            browser.script("window.__loaded = 'no reload since';");
            submitSomeModules(serve);

            Map<String, Object> job = new LinkedHashMap<>();
            job.put("source", JOB);
            job.put("file", "job.py");
            job.put("name", "job " + HOSTILE);
            job.put("args", List.of("alpha", "<script>window.__xss=2</script>"));
            job.put("labels", Map.of("team", "search"));
            String root = serve.submit(job);

            // the row appears and changes status from the event stream, without a reload
            By rootRow = By.cssSelector("tr[data-id='" + root + "']");
            browser.element(WAIT, rootRow);
            browser.until(WAIT, "root running", d -> "RUNNING".equals(statusIn(d.findElement(rootRow))));
            assertThat(browser.text(rootRow)).contains("job " + HOSTILE);
            assertThat(browser.script("return window.__xss === undefined")).as("the name's markup did not run").isEqualTo(true);
            By childRows = By.xpath("//table[contains(@class,'tasks')]//tr[td[1]/a[text()='quick']]");
            browser.until(WAIT, "both quick children succeeded, live", d -> d.findElements(childRows).size() == 2
                    && d.findElements(childRows).stream().allMatch(r -> "SUCCEEDED".equals(statusIn(r))));
            assertThat(browser.script("return window.__loaded")).as("the list updated without reloading").isEqualTo("no reload since");
            browser.screenshot("tasks-live");

            // open the job
            browser.click(WAIT, By.cssSelector("tr[data-id='" + root + "'] td:first-child a"));
            browser.until(WAIT, "task page", d -> d.getCurrentUrl().endsWith("#/tasks/" + root));
            browser.until(WAIT, "children listed", d -> d.findElements(By.cssSelector("ul.tree > li")).size() == 3);
            assertThat(browser.text(By.cssSelector(".task-name"))).isEqualTo("job " + HOSTILE);
            assertThat(browser.text(By.cssSelector("pre.input"))).contains("<script>window.__xss=2</script>");
            assertThat(browser.driver().findElements(By.cssSelector("table.attempts tbody tr"))).isNotEmpty();

            // down to the first child: its attempts and limits bars
            String quick = browser.until(WAIT, "first child id", d -> d.findElements(By.cssSelector("ul.tree > li")).get(0).getAttribute("data-id"));
            browser.click(WAIT, By.cssSelector("ul.tree > li[data-id='" + quick + "'] a.task-link"));
            browser.until(WAIT, "child page", d -> d.getCurrentUrl().endsWith("#/tasks/" + quick)
                    && "SUCCEEDED".equals(statusIn(d.findElement(By.cssSelector(".task-head h1")))));
            assertThat(browser.read(WAIT, By.cssSelector("table.attempts tbody tr"), WebElement::getText)).contains("SUCCEEDED");
            for (String limit : List.of("fuel", "ram_bytes", "time_ms")) {
                By bar = By.cssSelector(".usage[data-limit='" + limit + "']");
                String text = browser.read(WAIT, bar, b -> b.findElement(By.className("usage-text")).getText());
                assertThat(text).as(limit).contains(" of ");
                String width = browser.read(WAIT, bar, b -> b.findElement(By.className("usage-fill")).getCssValue("width"));
                assertThat(Double.parseDouble(width.replace("px", ""))).as(limit + " bar drawn").isGreaterThan(0);
            }
            assertThat(browser.read(WAIT, By.cssSelector("pre.stdout"), WebElement::getText)).contains("<img src=x onerror=\"window.__xss=3\">");
            assertThat(browser.text(By.cssSelector(".tl-row[data-kind='attempt']"))).contains("attempt 1");
            browser.screenshot("child-task");

            // back up to the parent through the lineage, where the spinning child now runs
            browser.click(WAIT, By.cssSelector("nav.lineage a[href='#/tasks/" + root + "']"));
            browser.until(WAIT, "back on the job", d -> d.getCurrentUrl().endsWith("#/tasks/" + root));
            By spinning = By.xpath("//ul[contains(@class,'tree')]/li[a[text()='spin']]");
            browser.until(WAIT, "spin running", d -> "RUNNING".equals(statusIn(d.findElement(spinning))));
            browser.until(WAIT, "steps on the timeline", d -> d.findElements(By.cssSelector(".tl-row[data-kind='child']")).size() >= 2);
            browser.screenshot("task-running");
            browser.click(WAIT, By.cssSelector("ul.tree > li[data-id='" + quick + "'] > button.toggle"));
            browser.until(WAIT, "the child's own children shown in place",
                    d -> d.findElement(By.cssSelector("ul.tree > li[data-id='" + quick + "'] .nested")).getText().contains("No child task."));

            // cancel from the page: the job and its running child end CANCELLED, shown live
            browser.click(WAIT, By.id("cancel-task"));
            browser.until(WAIT, "armed", d -> d.findElement(By.id("cancel-task")).getText().equals("Confirm cancel"));
            browser.click(WAIT, By.id("cancel-task"));
            browser.until(WAIT, "job cancelled on the page", d -> "CANCELLED".equals(statusIn(d.findElement(By.cssSelector(".task-head h1")))));
            browser.until(WAIT, "spin cancelled on the page", d -> "CANCELLED".equals(statusIn(d.findElement(spinning))));
            assertThat(serve.status(root)).isEqualTo("CANCELLED");
            assertThat(browser.driver().findElements(By.id("cancel-task"))).as("no cancel button on an ended task").isEmpty();
            browser.screenshot("task-cancelled");

            // rerun: a new task linked to this one, opened at once; cancelled again so that nothing is left running
            browser.click(WAIT, By.id("rerun-task"));
            String rerun = browser.until(WAIT, "the rerun's page", d -> {
                String url = d.getCurrentUrl();
                String id = url.substring(url.lastIndexOf('/') + 1);
                return url.contains("#/tasks/") && !id.equals(root) ? id : null;
            });
            browser.element(WAIT, By.cssSelector(".task-head .meta a[href='#/tasks/" + root + "']"));
            browser.click(WAIT, By.id("cancel-task"));
            browser.until(WAIT, "armed", d -> d.findElement(By.id("cancel-task")).getText().equals("Confirm cancel"));
            browser.click(WAIT, By.id("cancel-task"));
            browser.until(WAIT, "rerun cancelled", d -> "CANCELLED".equals(statusIn(d.findElement(By.cssSelector(".task-head h1")))));
            assertThat(serve.get("/tasks/" + rerun).path("rerun_of").asText()).isEqualTo(root);

            // the overview: counts, the last hour's chart and the node with its runners
            browser.click(WAIT, By.cssSelector("nav a[data-nav='overview']"));
            browser.until(WAIT, "counts", d -> Integer.parseInt(d.findElement(By.cssSelector(".count[data-status='CANCELLED'] .count-value")).getText()) >= 2
                    && Integer.parseInt(d.findElement(By.cssSelector(".count[data-status='FAILED'] .count-value")).getText()) >= 2);
            assertThat(browser.driver().findElements(By.cssSelector("svg.chart rect.bar.ok"))).isNotEmpty();
            assertThat(browser.driver().findElements(By.cssSelector("svg.chart rect.bar.bad"))).isNotEmpty();
            assertThat(browser.text(By.cssSelector("table.nodes tbody"))).contains("ALIVE");
            browser.screenshot("overview");

            // a count opens the list filtered by it, the filter kept in the URL and in the form
            browser.click(WAIT, By.cssSelector(".count[data-status='FAILED']"));
            browser.until(WAIT, "failed tasks listed", d -> d.getCurrentUrl().endsWith("#/tasks?status=FAILED")
                    && d.findElements(By.cssSelector("table.tasks tbody tr")).size() == 2);
            List<String> listed = browser.until(WAIT, "statuses of the listed rows", d -> d.findElements(By.cssSelector("table.tasks tbody tr")).stream()
                    .map(DashboardBrowserTest::statusIn).toList());
            assertThat(listed).containsOnly("FAILED");
            assertThat(browser.script("return document.querySelector(\"form.filters select[name='status']\").value")).isEqualTo("FAILED");
            WebElement name = browser.element(WAIT, By.cssSelector("form.filters input[name='name']"));
            name.sendKeys("greeting");
            name.submit();
            browser.until(WAIT, "two filters in the URL", d -> d.getCurrentUrl().contains("status=FAILED") && d.getCurrentUrl().contains("name=greeting")
                    && d.findElements(By.cssSelector("table.tasks tbody tr")).isEmpty() && !d.findElements(By.cssSelector(".list-status .muted")).isEmpty());

            // a schedule made, paused, resumed and deleted from its page
            browser.click(WAIT, By.cssSelector("nav a[data-nav='schedules']"));
            WebElement form = browser.element(WAIT, By.cssSelector("form.schedule-form"));
            form.findElement(By.name("schedule_name")).sendKeys("nightly-report");
            form.findElement(By.name("cron")).sendKeys("0 0 3 * * ?");
            form.findElement(By.name("file")).clear();
            form.findElement(By.name("file")).sendKeys("report.py");
            form.findElement(By.name("source")).sendKeys("from capsule import task\n\n@task()\ndef main():\n    return 1\n");
            form.findElement(By.cssSelector("button[type='submit']")).click();
            By schedule = By.cssSelector("tr[data-name='nightly-report']");
            browser.until(WAIT, "schedule listed", d -> d.findElement(schedule).getText().contains("0 0 3 * * ?"));
            browser.click(WAIT, By.xpath("//tr[@data-name='nightly-report']//button[text()='Pause']"));
            browser.until(WAIT, "paused", d -> d.findElement(schedule).getText().contains("paused"));
            browser.click(WAIT, By.xpath("//tr[@data-name='nightly-report']//button[text()='Resume']"));
            browser.until(WAIT, "resumed", d -> d.findElement(schedule).getText().contains("Pause"));
            browser.screenshot("schedules");
            browser.click(WAIT, By.xpath("//tr[@data-name='nightly-report']//button[text()='Delete']"));
            browser.until(WAIT, "deleted", d -> d.findElements(schedule).isEmpty());

            assertThat(browser.script("return window.__loaded")).as("never reloaded").isEqualTo("no reload since");
            assertThat(browser.script("return window.__xss === undefined")).as("no guest markup ran").isEqualTo(true);
        }
    }

    /** A few WebAssembly tasks, two of which fail, so that the overview has something to count. */
    private static void submitSomeModules(ServiceUnderTest serve) throws Exception {
        String hello = Base64.getEncoder().encodeToString(Files.readAllBytes(samples().resolve("hello/hello.wasm")));
        String exit3 = Base64.getEncoder().encodeToString(Files.readAllBytes(
                Path.of(System.getenv().getOrDefault("CAPSULE_TEST_WASM_DIR", "../engine/src/test/wasm"), "exit3.wasm")));
        for (String who : List.of("Ada", "Bo", "Cy", "Di", "Ed")) {
            serve.submit(Map.of("wasm_base64", hello, "args", List.of(who), "name", "greeting"));
        }
        for (int i = 0; i < 2; i++) {
            serve.submit(Map.of("wasm_base64", exit3, "name", "exits-3", "limits", Map.of("max_retries", 0)));
        }
    }

    private static Path samples() {
        return Path.of(System.getenv().getOrDefault("CAPSULE_SAMPLES_DIR", "../samples"));
    }

    @Test
    @Timeout(120)
    void asksForATokenAndHidesTheButtonsForAReadOnlyOne() throws Exception {
        String admin = "admin-token-0123456789abcdef";
        String reader = "read-token-0123456789abcdef";
        try (ServiceUnderTest serve = ServiceUnderTest.start(dir, 1, admin + "\n" + reader + " read\n", admin);
             DashboardBrowser browser = DashboardBrowser.open(1280, 900)) {
            byte[] hello = Files.readAllBytes(samples().resolve("hello/hello.wasm"));
            String task = serve.submit(Map.of("wasm_base64", Base64.getEncoder().encodeToString(hello), "args", List.of("Ada"), "name", "greeting"));

            browser.open(serve.url() + "/#/tasks/" + task);
            WebElement token = browser.element(WAIT, By.cssSelector("form.login input[name='token']"));
            browser.screenshot("sign-in");
            token.sendKeys("not-a-token-of-this-server");
            token.submit();
            browser.until(WAIT, "refused", d -> d.findElement(By.cssSelector("form.login .error-box")).getText().contains("did not accept"));
            assertThat(browser.script("return sessionStorage.getItem('capsule.token')")).as("a refused token is not kept").isNull();

            token = browser.element(WAIT, By.cssSelector("form.login input[name='token']"));
            token.clear();
            token.sendKeys(reader);
            token.submit();
            browser.until(WAIT, "task page", d -> "SUCCEEDED".equals(statusIn(d.findElement(By.cssSelector(".task-head h1")))));
            assertThat(browser.text(By.id("role"))).startsWith("read-only");
            browser.until(WAIT, "live events with the token", d -> !d.findElement(By.id("live")).getAttribute("class").contains("off"));
            assertThat(browser.driver().findElements(By.cssSelector("#cancel-task, #rerun-task"))).isEmpty();
            assertThat(browser.read(WAIT, By.cssSelector("pre.stdout"), WebElement::getText)).contains("Hello, Ada!");

            // the list updates live over the token-authenticated stream
            browser.click(WAIT, By.cssSelector("nav a[data-nav='tasks']"));
            browser.element(WAIT, By.cssSelector("tr[data-id='" + task + "']"));
            String second = serve.submit(Map.of("wasm_base64", Base64.getEncoder().encodeToString(hello), "args", List.of("Bo"), "name", "greeting"));
            browser.until(WAIT, "new task shown live", d -> "SUCCEEDED".equals(statusIn(d.findElement(By.cssSelector("tr[data-id='" + second + "']")))));
            // pages follow the cursor (the page size is part of the link too)
            browser.open(serve.url() + "/#/tasks?name=greeting&limit=1");
            browser.until(WAIT, "one row", d -> d.findElements(By.cssSelector("table.tasks tbody tr")).size() == 1);
            browser.click(WAIT, By.cssSelector("button.more"));
            browser.until(WAIT, "the next page appended", d -> d.findElements(By.cssSelector("table.tasks tbody tr")).size() == 2);
            browser.until(WAIT, "no further page", d -> !d.findElement(By.cssSelector("button.more")).isDisplayed());

            browser.click(WAIT, By.cssSelector("nav a[data-nav='schedules']"));
            browser.element(WAIT, By.cssSelector("h1"));
            assertThat(browser.driver().findElements(By.cssSelector("form.schedule-form"))).as("no schedule form for a read token").isEmpty();
        }
    }

    private static String statusIn(WebElement scope) {
        List<WebElement> badges = scope.findElements(By.cssSelector(".status"));
        return badges.isEmpty() ? null : badges.get(0).getAttribute("data-status");
    }
}
