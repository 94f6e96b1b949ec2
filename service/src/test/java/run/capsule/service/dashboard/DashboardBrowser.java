package run.capsule.service.dashboard;

import org.awaitility.core.ConditionTimeoutException;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;

/**
 * A headless Debian Chromium driven through the system chromedriver. Both paths are given explicitly, so Selenium
 * Manager has nothing to look up and nothing is downloaded.
 */
final class DashboardBrowser implements AutoCloseable {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriver driver;
    private final Path profile;
    private java.util.function.Supplier<String> diagnostics = () -> "";

    private DashboardBrowser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static DashboardBrowser open(int width, int height) throws IOException {
        BrowserPrerequisite.require();
        Path profile = Files.createTempDirectory("capsule-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BrowserPrerequisite.CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run", "--hide-scrollbars", "--lang=en-US",
                "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(BrowserPrerequisite.CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return new DashboardBrowser(driver, profile);
    }

    /** What to add to a failed wait's message, e.g. the server's own view of the tasks. */
    void diagnostics(java.util.function.Supplier<String> supplier) {
        diagnostics = supplier;
    }

    WebDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    String url() {
        return driver.getCurrentUrl();
    }

    Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until {@code check} gives a non-null, non-false value, retrying past elements replaced by a re-render. */
    <T> T until(Duration timeout, String what, Function<WebDriver, T> check) {
        Object[] found = new Object[1];
        try {
            await(what).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsMatching(e -> e instanceof StaleElementReferenceException || e instanceof NoSuchElementException)
                .until(() -> {
                    T value = check.apply(driver);
                    found[0] = value;
                    return value != null && !Boolean.FALSE.equals(value);
                });
        } catch (ConditionTimeoutException e) {
            try {
                Path shot = screenshot("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
                throw new AssertionError("waited " + timeout.toSeconds() + " s for: " + what + " (screenshot " + shot.toAbsolutePath()
                        + "); the page said: " + driver.findElement(By.tagName("main")).getText() + "\n" + diagnostics.get(), e);
            } catch (IOException | RuntimeException shotFailed) {
                e.addSuppressed(shotFailed);
                throw e;
            }
        }
        @SuppressWarnings("unchecked")
        T value = (T) found[0];
        return value;
    }

    WebElement element(Duration timeout, By by) {
        return until(timeout, "element " + by, d -> {
            List<WebElement> all = d.findElements(by);
            return all.isEmpty() || !all.get(0).isDisplayed() ? null : all.get(0);
        });
    }

    /** Clicks the first element found by {@code by}, retrying when a live re-render replaced it in between. */
    void click(Duration timeout, By by) {
        until(timeout, "click " + by, d -> {
            List<WebElement> all = d.findElements(by);
            if (all.isEmpty() || !all.get(0).isDisplayed() || !all.get(0).isEnabled()) {
                return false;
            }
            all.get(0).click();
            return true;
        });
    }

    /** The text of the first element found by {@code by} ("" when there is none), read again if a re-render replaced it. */
    String text(By by) {
        return until(Duration.ofSeconds(30), "text of " + by, d -> {
            List<WebElement> all = d.findElements(by);
            return all.isEmpty() ? "" : all.get(0).getText();
        });
    }

    /** Waits for the element found by {@code by} and reads it with {@code read}, again if a re-render replaced it. */
    <T> T read(Duration timeout, By by, Function<WebElement, T> read) {
        return until(timeout, "read " + by, d -> {
            List<WebElement> all = d.findElements(by);
            return all.isEmpty() || !all.get(0).isDisplayed() ? null : read.apply(all.get(0));
        });
    }

    /** Saves a PNG of the window under {@code target/screenshots/} (not committed) and returns it. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Path taken = driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(taken, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var paths = Files.walk(profile)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                // chromium may still be removing its own files
            }
        }
    }
}
