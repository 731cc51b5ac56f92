package imagen.gateway.studio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Debian Chromium driven through Debian's chromedriver, both at fixed paths: Selenium
 * Manager is never asked to find or download a browser or driver. Where either is missing,
 * {@link #requireChromium()} skips the calling test class, loudly.
 */
final class ChromiumSession implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getProperty("studio.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("studio.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final Duration WAIT = Duration.ofSeconds(20);

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;
    private final String base;

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** Whether Debian's Chromium and chromedriver are where the tests expect them. */
    static boolean available() {
        return missing().isEmpty();
    }

    private static List<String> missing() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(CHROMIUM)) {
            missing.add(CHROMIUM + " (Debian package chromium)");
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
        }
        return missing;
    }

    /**
     * Skips the calling test (a JUnit assumption, so each one is reported skipped, and a WARN on
     * stderr) when Chromium or chromedriver is missing.
     */
    static void requireChromium() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            String message = "SKIPPING the studio browser tests: missing " + String.join(" and ", missing)
                    + "; install them with: apt-get install -y chromium chromium-driver (.ci/run does)";
            if (WARNED.compareAndSet(false, true)) {
                System.err.println("WARN  [imagen.gateway.studio] " + message);
            }
            Assumptions.abort(message);
        }
    }

    ChromiumSession(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        try {
            profile = Files.createTempDirectory("studio-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    /** Loads the studio and waits until its model list is in place. */
    void open() {
        open(base);
    }

    /** The same, from another origin (a proxy in front of the gateway). */
    void open(String origin) {
        driver.get(origin + "/");
        await("the studio to load its models", d -> "true".equals(js("return document.documentElement.dataset.ready")));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    long jsLong(String script, Object... args) {
        return ((Number) js(script, args)).longValue();
    }

    <T> T await(String what, Function<WebDriver, T> condition) {
        return await(what, WAIT, condition);
    }

    <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, timeout, Duration.ofMillis(50)).withMessage(() -> "waiting for " + what
                    + "; status: " + text("#status") + "; problem: " + text("#problem")).until(condition);
        } catch (TimeoutException e) {
            screenshot("timeout-" + what.replaceAll("[^A-Za-z0-9]+", "-"));
            throw e;
        }
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    String text(String css) {
        List<WebElement> found = findAll(css);
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    void type(String id, String value) {
        WebElement field = find("#" + id);
        field.clear();
        field.sendKeys(value);
    }

    void choose(String id, String value) {
        new Select(find("#" + id)).selectByValue(value);
    }

    /** Opens the {@code <details>} group a control sits in, so that it can be typed into. */
    void reveal(String id) {
        js("const d = document.getElementById(arguments[0]).closest('details'); if (d) d.open = true;", id);
    }

    void selectModel(String id) {
        choose("model", id);
    }

    void submit() {
        find("#submit").click();
    }

    String state() {
        return find("#status").getDomAttribute("data-state");
    }

    /** Waits for the terminal state; an error state fails at once with what the page says. */
    void awaitDone() {
        await("the done state", d -> {
            String state = state();
            if ("error".equals(state)) {
                throw new AssertionError("the generation failed: " + text("#status") + " " + text("#problem"));
            }
            return "done".equals(state);
        });
    }

    /** Final images that the browser has decoded. */
    long renderedImages() {
        return jsLong("return Array.from(document.querySelectorAll('#grid .slot.final img'))"
                + ".filter(i => i.complete && i.naturalWidth > 0).length");
    }

    /** The ids of the SSE events in the page's log, in order. */
    @SuppressWarnings("unchecked")
    List<String> loggedEventIds() {
        return (List<String>) js("return Array.from(document.querySelectorAll('#log li[data-id]')).map(li => li.dataset.id)");
    }

    @SuppressWarnings("unchecked")
    List<String> loggedEventNames() {
        return (List<String>) js("return Array.from(document.querySelectorAll('#log li[data-id]')).map(li => li.dataset.event)");
    }

    /** Browser console and network entries since the last call. */
    List<LogEntry> drainConsole() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    Map<String, Object> cdp(String command, Map<String, Object> params) {
        return driver.executeCdpCommand(command, params);
    }

    /** Emulates {@code prefers-color-scheme}; null goes back to the browser's own. */
    void colorScheme(String scheme) {
        cdp("Emulation.setEmulatedMedia", Map.of("features",
                scheme == null ? List.of() : List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    void viewport(int width, int height, boolean mobile) {
        cdp("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    void resetViewport() {
        cdp("Emulation.clearDeviceMetricsOverride", Map.of());
    }

    /** The whole page, beyond the viewport, as target/screenshots/{name}.png. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            @SuppressWarnings("unchecked")
            Map<String, Object> metrics = (Map<String, Object>) cdp("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
            double width = ((Number) js("return document.documentElement.clientWidth")).doubleValue();
            double height = Math.min(((Number) metrics.get("height")).doubleValue(), 6000);
            Map<String, Object> shot = cdp("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                    "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException | RuntimeException e) {
            System.err.println("WARN  [imagen.gateway.studio] could not save screenshot " + name + ": " + e);
            return null;
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is harmless
            }
        }
    }
}
