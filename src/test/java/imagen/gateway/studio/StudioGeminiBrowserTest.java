package imagen.gateway.studio;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The studio with the Gemini engine behind the gateway: models from {@code GET /v1/models},
 * streamed commentary ({@code text}), interim {@code preview} images and token usage on
 * {@code done}; an Imagen model served by its Gemini replacement, as in production.
 */
@QuarkusTest
@TestProfile(StudioGeminiBrowserTest.ProductionModels.class)
class StudioGeminiBrowserTest {

    /** The production model mapping (the {@code %test} profile keeps Imagen models on Imagen). */
    public static class ProductionModels implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.model.\"imagen-4.0-fast-generate-001\".served-by", "gemini-3.1-flash-image",
                    "imagen.model.\"imagen-4.0-generate-001\".served-by", "gemini-3.1-flash-image",
                    "imagen.model.\"imagen-4.0-ultra-generate-001\".served-by", "gemini-3-pro-image");
        }
    }

    static final String PRO = "gemini-3-pro-image";
    static final String FLASH = "gemini-3.1-flash-image";
    static final String IMAGEN = StudioBrowserTest.IMAGEN;
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

    /** Fails at once with the gateway's answer when it refuses the request (a backend without Gemini). */
    void awaitDone() {
        s.await("the done state", d -> {
            String state = s.state();
            if ("error".equals(state)) {
                throw new AssertionError("the generation failed: " + s.text("#status") + " " + s.text("#problem") + " "
                        + s.text("#log li:last-child pre"));
            }
            return "done".equals(state);
        });
    }

    JsonNode postedBody() throws IOException {
        return JSON.readTree(s.text("#log li[data-event='POST /v1/generations'] pre"));
    }

    @Test
    void theModelListComesFromTheGateway() {
        JsonPath models = given().get("/v1/models").then().statusCode(200).extract().jsonPath();
        List<String> ids = models.getList("models.id");
        assertThat(ids).contains(FLASH, PRO, IMAGEN);

        s.open();
        assertThat(s.js("return document.documentElement.dataset.models")).isEqualTo("gateway");
        @SuppressWarnings("unchecked")
        List<String> offered = (List<String>) s.js("return Array.from(document.getElementById('model').options).map(o => o.value)");
        assertThat(offered).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(s.find("#model").getDomProperty("value")).isEqualTo(models.getString("defaultModel"));
        assertThat(s.text("#model-note")).doesNotContain("Built-in");
    }

    @Test
    void proStreamsCommentaryAndAMarkedPreviewBeforeTheImageAndShowsUsage() throws IOException {
        s.open();
        // remember whether a preview was ever on screen, marked as one: the final image replaces it
        s.js("window.sawPreview = false; new MutationObserver(() => {"
                + " const tag = document.querySelector('#grid .slot.preview .tag');"
                + " if (tag && /preview/i.test(tag.textContent)) window.sawPreview = true;"
                + "}).observe(document.getElementById('grid'), {subtree: true, childList: true, attributes: true});");
        s.selectModel(PRO);
        s.type("prompt", "a lighthouse on a cliff at dusk, oil painting " + StudioBrowserTest.nonce());
        s.choose("sampleCount", "1");
        s.choose("aspectRatio", "16:9");
        s.submit();
        awaitDone();
        s.await("the decoded image", d -> s.renderedImages() == 1);

        List<String> names = s.loggedEventNames();
        assertThat(names).startsWith("accepted").endsWith("done").contains("text", "preview", "image");
        assertThat(names.indexOf("preview")).as("a preview comes before its image").isLessThan(names.lastIndexOf("image"));
        assertThat(s.js("return window.sawPreview")).as("the preview was shown, marked as a preview").isEqualTo(true);
        assertThat(s.find("#grid .slot[data-index='0']").getDomAttribute("data-previews")).isNotNull();
        assertThat(s.find("#grid .slot[data-index='0']").getDomAttribute("class")).contains("final").doesNotContain("preview");

        assertThat(s.find("#notes").isDisplayed()).isTrue();
        assertThat(s.text("#notes")).as("the model's commentary").isNotBlank();

        JsonNode done = JSON.readTree(s.text("#log li[data-event=done] pre"));
        assertThat(done.has("usage")).as("usage on done: " + done).isTrue();
        assertThat(s.find("#summary").isDisplayed()).isTrue();
        assertThat(s.text("#summary")).contains("Tokens").contains("total");
        assertThat(s.findAll("#summary [data-modality=IMAGE]")).as("image tokens").hasSize(1);

        JsonNode body = postedBody();
        List<String> keys = new ArrayList<>();
        body.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactlyInAnyOrder("model", "prompt", "sampleCount", "aspectRatio");
        s.screenshot("gemini-pro-results");
    }

    @Test
    void flashTakesAReferenceImageThinkingAndSizeAndNoWatermark() throws IOException {
        Path png = Files.createTempFile("studio-ref-", ".png");
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(new Color(0x2d5bd0));
        g.fillRect(0, 0, 64, 64);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());

        s.open();
        s.selectModel(FLASH);
        s.type("prompt", "the same scene in winter " + StudioBrowserTest.nonce());
        s.choose("sampleCount", "1");
        s.type("seed", StudioBrowserTest.seed());
        s.choose("thinkingLevel", "HIGH");
        s.choose("imageSize", "1K");
        s.find("#images").sendKeys(png.toString());
        s.await("the chosen image", d -> s.findAll("#image-list li").size() == 1);
        s.submit();
        awaitDone();
        s.await("the decoded image", d -> s.renderedImages() == 1);

        JsonNode body = postedBody();
        assertThat(body.has("addWatermark")).as("Gemini models have no watermark field").isFalse();
        assertThat(body.get("thinkingLevel").asText()).isEqualTo("HIGH");
        assertThat(body.get("imageSize").asText()).isEqualTo("1K");
        assertThat(body.get("images").get(0).get("mimeType").asText()).isEqualTo("image/png");
    }

    @Test
    void anImagenModelSaysWhichGeminiModelServesIt() {
        s.open();
        s.selectModel(IMAGEN);
        s.type("prompt", "served by " + StudioBrowserTest.nonce());
        s.choose("sampleCount", "1");
        s.submit();
        awaitDone();
        assertThat(s.find("#served").isDisplayed()).isTrue();
        assertThat(s.text("#served")).isEqualToIgnoringCase("served by " + FLASH);
    }
}
