package imagen.gateway.studio;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.logging.LogEntry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The studio at {@code /} in a real browser, against the embedded simulator, with the Imagen model
 * the backend serves today. Gemini-only behaviour is in {@link StudioGeminiBrowserTest}.
 */
@QuarkusTest
class StudioBrowserTest {

    static final String IMAGEN = "imagen-4.0-fast-generate-001";
    static final String GEMINI = "gemini-3.1-flash-image";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ChromiumSession session;

    @TestHTTPResource("/")
    URL root;

    ChromiumSession s;

    @BeforeEach
    void browser() {
        ChromiumSession.requireChromium();
        if (session == null) {
            session = new ChromiumSession(root.toString());
        }
        s = session;
        s.resetViewport();
        s.colorScheme(null);
    }

    @AfterAll
    static void closeBrowser() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    static String seed() {
        return String.valueOf(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE));
    }

    static String nonce() {
        return Long.toString(System.nanoTime(), 36);
    }

    /** Fills in a seeded Imagen request; the page's default model may be a Gemini one. */
    void seededImagenRequest(String prompt, int count, String seed) {
        s.open();
        s.selectModel(IMAGEN);
        s.type("prompt", prompt);
        s.choose("sampleCount", String.valueOf(count));
        s.type("seed", seed);
    }

    @Test
    void seededPromptRendersTwoImagesAndTheDoneState() throws IOException {
        s.open();
        s.screenshot("desktop-idle");
        seededImagenRequest("small boat on water, watercolor " + nonce(), 2, seed());
        s.submit();
        assertThat(s.js("return document.activeElement && document.activeElement.id")).as("focus after submit")
                .isEqualTo("status");
        s.awaitDone();
        s.await("two decoded images", d -> s.renderedImages() == 2);
        assertThat(s.text("#status")).startsWith("Done").contains("2 images");
        assertThat(s.text("#cache")).isEqualToIgnoringCase("miss");
        assertThat(s.findAll("#summary .chip")).isNotEmpty();
        List<String> names = s.loggedEventNames();
        assertThat(names).startsWith("accepted").endsWith("done").containsOnlyOnce("done").contains("attempt");
        assertThat(names.stream().filter("image"::equals).count()).isEqualTo(2);

        // the body names only what was set: no empty fields, and the seed turned the watermark off
        JsonNode body = JSON.readTree(s.text("#log li[data-event='POST /v1/generations'] pre"));
        List<String> keys = new ArrayList<>();
        body.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactlyInAnyOrder("model", "prompt", "sampleCount", "seed", "addWatermark");
        assertThat(body.get("model").asText()).isEqualTo(IMAGEN);
        assertThat(body.get("addWatermark").asBoolean()).isFalse();
        assertThat(body.get("sampleCount").asInt()).isEqualTo(2);
        s.screenshot("desktop-results");
    }

    @Test
    void sameSeedAgainComesBackAsAHit() {
        seededImagenRequest("lighthouse at dusk " + nonce(), 1, seed());
        s.submit();
        s.awaitDone();
        assertThat(s.text("#cache")).isEqualToIgnoringCase("miss");
        assertThat(s.find("#again").isEnabled()).isTrue();

        s.find("#again").click();
        s.await("the HIT badge", d -> "done".equals(s.state()) && "hit".equalsIgnoreCase(s.text("#cache")));
        assertThat(s.find("#cache").getDomAttribute("class")).contains("hit");
        s.await("the replayed image", d -> s.renderedImages() == 1);
        assertThat(s.text("#summary")).contains("attempts 0");
    }

    @Test
    void historyReopensAFinishedJobAndSaysWhenTheGatewayDroppedIt() {
        String prompt = "history replay " + nonce();
        seededImagenRequest(prompt, 1, seed());
        s.submit();
        s.awaitDone();
        String id = s.text("#gen-id");

        s.open(); // a fresh page: only the history remembers the job
        s.await("the history entry", d -> !s.findAll("#history li[data-id='" + id + "']").isEmpty());
        assertThat(s.text("#history li[data-id='" + id + "'] .hp")).isEqualTo(prompt);
        s.find("#history li[data-id='" + id + "'] button").click();
        s.awaitDone();
        s.await("the replayed image", d -> s.renderedImages() == 1);
        assertThat(s.text("#status")).contains("Done");
        assertThat(s.loggedEventNames()).startsWith("accepted").endsWith("done");

        // a generation the gateway no longer has
        s.js("const h = JSON.parse(localStorage.getItem('imagen-studio.history.v1') || '[]');"
                + "h.unshift({id: 'gen_studioGoneAway000000', model: arguments[0], prompt: 'long gone', time: Date.now(),"
                + " status: 'succeeded'}); localStorage.setItem('imagen-studio.history.v1', JSON.stringify(h));", IMAGEN);
        s.open();
        s.find("#history li[data-id='gen_studioGoneAway000000'] button").click();
        s.await("the gone message", d -> "error".equals(s.state()));
        assertThat(s.text("#status")).contains("no longer has generation gen_studioGoneAway000000");
        s.await("the entry marked gone", d -> !s.findAll("#history li.gone[data-id='gen_studioGoneAway000000']").isEmpty());
        s.drainConsole(); // the 404 was the point
    }

    @Test
    void fieldErrorsShowNextToTheirFieldAndClear() {
        s.open();
        s.selectModel(IMAGEN);
        s.type("prompt", "field errors " + nonce());
        s.reveal("storageUri");
        s.type("storageUri", "http://x");
        s.submit();
        s.await("the storageUri error", d -> !s.findAll("[data-field=storageUri] .ferr").isEmpty());
        assertThat(s.text("[data-field=storageUri] .ferr")).contains("gs://");
        assertThat(s.find("#storageUri").getDomAttribute("aria-invalid")).isEqualTo("true");
        assertThat(s.find("#problem").isDisplayed()).isTrue();
        assertThat(s.js("return document.activeElement.id")).isEqualTo("storageUri");
        s.screenshot("field-error");

        s.find("#storageUri").sendKeys("/more");
        s.await("the error to clear", d -> s.findAll("[data-field=storageUri] .ferr").isEmpty());
        assertThat(s.find("#storageUri").getDomAttribute("aria-invalid")).isNull();

        // errors also clear when the browser's own validation blocks the next submit
        s.type("storageUri", "http://x");
        s.submit();
        s.await("the storageUri error again", d -> !s.findAll("[data-field=storageUri] .ferr").isEmpty());
        s.find("#prompt").clear();
        s.submit();
        assertThat(s.js("return document.getElementById('prompt').validity.valueMissing")).isEqualTo(true);
        assertThat(s.findAll(".ferr")).isEmpty();
        assertThat(s.find("#problem").isDisplayed()).isFalse();
        s.drainConsole(); // the 400s were the point
    }

    @Test
    void controlsFollowTheChosenModel() {
        s.open();
        s.selectModel(IMAGEN);
        assertThat(s.find("#negativePrompt").isDisplayed()).isTrue();
        assertThat(s.find("#addWatermark").isDisplayed()).isTrue();
        assertThat(s.find("#sampleImageSize").isDisplayed()).as("Imagen 4 Fast takes no size").isFalse();
        assertThat(s.find("#imageSize").isDisplayed()).isFalse();
        assertThat(s.find("#thinkingLevel").isDisplayed()).isFalse();
        assertThat(s.find("#images").isDisplayed()).isFalse();
        // the test profile calls Imagen itself; StudioGeminiBrowserTest shows an Imagen model served by Gemini
        assertThat(s.text("#model-note")).doesNotContain("served by");
        assertThat(options("aspectRatio")).containsExactly("", "1:1", "3:4", "4:3", "9:16", "16:9");
        s.selectModel("imagen-4.0-generate-001");
        assertThat(s.find("#sampleImageSize").isDisplayed()).as("Imagen 4 takes 1K or 2K").isTrue();
        assertThat(options("sampleImageSize")).containsExactly("", "1K", "2K");
        s.selectModel(IMAGEN);

        // Imagen: a seed turns the watermark off
        s.type("seed", "42");
        assertThat(s.find("#addWatermark").isSelected()).isFalse();
        assertThat(s.find("#addWatermark").isEnabled()).isFalse();
        s.find("#seed").clear();
        s.js("document.getElementById('seed').dispatchEvent(new Event('input', {bubbles: true}))");
        assertThat(s.find("#addWatermark").isSelected()).isTrue();
        s.find("#seed-random").click();
        assertThat(Long.parseLong(s.find("#seed").getDomProperty("value"))).isBetween(1L, 2147483647L);

        // JPEG quality only for JPEG
        s.reveal("mimeType");
        s.choose("mimeType", "image/jpeg");
        assertThat(s.find("#compressionQuality").isDisplayed()).isTrue();
        s.choose("mimeType", "image/png");
        assertThat(s.find("#compressionQuality").isDisplayed()).isFalse();

        s.selectModel(GEMINI);
        assertThat(s.find("#negativePrompt").isDisplayed()).isFalse();
        assertThat(s.find("#addWatermark").isDisplayed()).isFalse();
        assertThat(s.find("#thinkingLevel").isDisplayed()).isTrue();
        assertThat(s.find("#images").isDisplayed()).isTrue();
        assertThat(s.findAll("#model-note")).allMatch(e -> !e.getText().contains("served by"));
        assertThat(options("imageSize")).containsExactly("", "1K", "2K", "4K");
        assertThat(options("thinkingLevel")).containsExactly("", "MINIMAL", "HIGH");
        assertThat(options("aspectRatio")).hasSize(11).contains("21:9");
        assertThat(options("model")).contains(GEMINI, "gemini-3-pro-image", IMAGEN);

        // back on Imagen the seed still holds the watermark off, and its end gives the user's choice back
        s.selectModel(IMAGEN);
        assertThat(s.find("#addWatermark").isSelected()).isFalse();
        assertThat(s.find("#addWatermark").isEnabled()).isFalse();
        s.find("#seed").clear();
        s.js("document.getElementById('seed').dispatchEvent(new Event('input', {bubbles: true}))");
        assertThat(s.find("#addWatermark").isSelected()).isTrue();
        assertThat(s.find("#addWatermark").isEnabled()).isTrue();
    }

    @SuppressWarnings("unchecked")
    List<String> options(String id) {
        return (List<String>) s.js("return Array.from(document.getElementById(arguments[0]).options).map(o => o.value)", id);
    }

    @Test
    void referenceImagesAreCheckedAndBoundedInTheBrowser() throws IOException {
        Path dir = Files.createTempDirectory("studio-refs-");
        Path small = dir.resolve("small.png");
        BufferedImage image = new BufferedImage(48, 48, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, 48, 48);
        g.dispose();
        ImageIO.write(image, "png", small.toFile());
        Path big = dir.resolve("big.png");
        byte[] noise = new byte[150 * 1024];
        new Random(7).nextBytes(noise);
        Files.write(big, noise);
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not an image");

        s.open();
        s.selectModel(GEMINI);
        s.find("#images").sendKeys(small.toString());
        s.await("the chosen image", d -> s.findAll("#image-list li").size() == 1);
        assertThat(s.text("#images-budget")).contains("of 180 KB");

        s.find("#images").sendKeys(big.toString());
        s.await("the budget error", d -> !s.findAll("[data-field=images] .ferr").isEmpty());
        assertThat(s.text("[data-field=images] .ferr")).contains("big.png").contains("180 KB");
        assertThat(s.findAll("#image-list li")).hasSize(1);

        s.find("#images").sendKeys(text.toString());
        s.await("the type error", d -> s.text("[data-field=images] .ferr").contains("notes.txt"));
        assertThat(s.findAll("#image-list li")).hasSize(1);

        s.find("#image-list li button").click();
        assertThat(s.findAll("#image-list li")).isEmpty();
        assertThat(s.findAll("[data-field=images] .ferr")).isEmpty();
    }

    @Test
    void aCutConnectionReconnectsWithTheLastEventIdAndLogsNoDuplicates() {
        try (CuttableProxy proxy = new CuttableProxy(root.getHost(), root.getPort())) {
            s.open(proxy.base());
            s.selectModel(IMAGEN);
            s.type("prompt", "slow boat " + nonce());
            s.choose("sampleCount", "2");
            s.type("seed", seed()); // seeded: a job nobody watches for a moment is not cancelled
            s.reveal("fault");
            s.type("fault", "delay:3000");
            s.submit();
            s.await("the attempt event", d -> s.loggedEventNames().contains("attempt"));
            assertThat(s.loggedEventNames()).doesNotContain("image");
            String last = String.valueOf(s.js("return window.studio.lastEventId"));
            try {
                proxy.cut();
                s.await("the reconnecting status", d -> "reconnecting".equals(s.state()));
                assertThat(s.text("#status")).contains("Reconnecting").contains("last event id " + last);
                s.screenshot("reconnecting");
            } finally {
                proxy.resume();
            }
            s.await("the done state after reconnecting", Duration.ofSeconds(30), d -> "done".equals(s.state()));
            s.await("two decoded images", d -> s.renderedImages() == 2);

            List<String> ids = s.loggedEventIds();
            assertThat(new HashSet<>(ids)).as("event ids in the log, no duplicates: " + ids).hasSameSizeAs(ids);
            assertThat(ids).as("every event exactly once, in order")
                    .isEqualTo(IntStream.rangeClosed(1, ids.size()).mapToObj(String::valueOf).collect(Collectors.toList()));
            assertThat(s.loggedEventNames()).startsWith("accepted", "attempt").endsWith("done");
            assertThat(s.findAll("#log li[data-event=disconnected]")).hasSize(1);
            assertThat(s.findAll("#log li[data-event=reconnected]")).hasSize(1);
            assertThat(s.text("#log li[data-event=reconnected] pre")).contains("after event " + last);
            s.drainConsole(); // the cut connection was the point
        }
    }

    @Test
    void anUpstreamFailureOffersARetryAfterTheWaitItAsksFor() {
        s.open();
        s.selectModel(IMAGEN);
        s.type("prompt", "always busy " + nonce());
        s.choose("sampleCount", "1");
        s.reveal("fault");
        s.type("fault", "429:1s"); // every attempt: 429 with RetryInfo 1 s
        s.submit();
        s.await("the error state", Duration.ofSeconds(30), d -> "error".equals(s.state()));
        assertThat(s.loggedEventNames()).startsWith("accepted").contains("retry").endsWith("error");
        assertThat(s.text("#status")).contains("429").contains("retryable");
        assertThat(s.find("#retry").isDisplayed()).isTrue();
        JsonNode error = readLast("error");
        if (error.path("retryAfterMs").asLong() > 0) {
            assertThat(s.text("#retry")).startsWith("Retry in");
            assertThat(s.find("#retry").isEnabled()).isFalse();
        }
        s.screenshot("error-retry");
        s.await("the retry button to count down", Duration.ofSeconds(35), d -> s.find("#retry").isEnabled());
        assertThat(s.text("#retry")).isEqualTo("Retry");

        s.find("#fault").clear();
        s.find("#retry").click();
        s.awaitDone();
        s.await("the image", d -> s.renderedImages() == 1);
        assertThat(s.find("#retry").isDisplayed()).isFalse();
        s.drainConsole();
    }

    JsonNode readLast(String event) {
        try {
            List<?> pres = (List<?>) s.js("return Array.from(document.querySelectorAll('#log li[data-event=' + arguments[0] + '] pre'))"
                    + ".map(p => p.textContent)", event);
            return JSON.readTree(String.valueOf(pres.get(pres.size() - 1)));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void at390PixelsTheLayoutStacksWithoutSidewaysScrolling() {
        s.viewport(390, 844, true);
        try {
            seededImagenRequest("narrow screen, tall lighthouse " + nonce(), 2, seed());
            s.submit();
            s.awaitDone();
            s.await("two decoded images", d -> s.renderedImages() == 2);
            assertThat(s.jsLong("return document.documentElement.scrollWidth"))
                    .as("no horizontal scroll at 390 px")
                    .isLessThanOrEqualTo(s.jsLong("return document.documentElement.clientWidth"));
            // one column: the result sits below the form, as wide as it
            assertThat(s.jsLong("return Math.round(document.getElementById('result').getBoundingClientRect().top"
                    + " - document.getElementById('form').getBoundingClientRect().bottom)")).isPositive();
            assertThat(s.jsLong("return Math.round(document.getElementById('log').getBoundingClientRect().width)"))
                    .isGreaterThan(300);
            s.screenshot("mobile-390");
        } finally {
            s.resetViewport();
        }
    }

    @Test
    void darkModeFollowsTheSystemScheme() {
        s.colorScheme("dark");
        try {
            seededImagenRequest("night harbour " + nonce(), 2, seed());
            s.reveal("inline");
            s.find("#inline").click(); // ?inline=true: the image events carry the bytes
            s.submit();
            s.awaitDone();
            s.await("two decoded images", d -> s.renderedImages() == 2);
            String background = String.valueOf(s.js("return getComputedStyle(document.body).backgroundColor"));
            int[] rgb = java.util.Arrays.stream(background.replaceAll("[^0-9,]", "").split(",")).limit(3)
                    .mapToInt(Integer::parseInt).toArray();
            assertThat(rgb[0] + rgb[1] + rgb[2]).as("dark background, got " + background).isLessThan(120);
            assertThat(s.find("#grid .slot.final img").getDomAttribute("src")).startsWith("data:image/png;base64,");
            assertThat(s.text("#log li[data-event=image] pre")).contains("KB base64>");
            s.screenshot("desktop-dark");
        } finally {
            s.colorScheme(null);
        }
    }

    @Test
    void noRequestFromThePageFails() {
        s.drainConsole();
        s.open();
        seededImagenRequest("every request succeeds " + nonce(), 2, seed());
        s.submit();
        s.awaitDone();
        s.await("two decoded images", d -> s.renderedImages() == 2);
        // the favicon the browser asks for by itself
        s.js("return fetch('/favicon.ico').then(r => r.status)");
        // until the backend serves /v1/models, its 404 is the expected fallback, and only then
        boolean modelsMissing = given().get("/v1/models").statusCode() == 404;
        List<LogEntry> severe = new ArrayList<>();
        for (LogEntry entry : s.drainConsole()) {
            boolean fallback = modelsMissing && entry.getMessage().contains("/v1/models") && entry.getMessage().contains("404");
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !fallback) {
                severe.add(entry);
            }
        }
        assertThat(severe).as("console and network errors").isEmpty();
        if (!modelsMissing) {
            assertThat(s.js("return document.documentElement.dataset.models")).isEqualTo("gateway");
        }
    }
}
