package imagen.gateway.studio;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The studio's handling of the Gemini events of the API contract ({@code GET /v1/models},
 * {@code text}, {@code preview}, {@code done.usage}), today: the page's own files served by a
 * scripted stand-in for the gateway. {@link StudioGeminiBrowserTest} checks the same against the
 * real backend.
 */
class StudioContractBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODELS = """
            {"defaultModel":"gemini-3.1-flash-image","models":[
             {"id":"gemini-3.1-flash-image","protocol":"gemini","servedBy":null,"previews":false,
              "fields":["prompt","sampleCount","seed","aspectRatio","imageSize","personGeneration","safetySetting","outputOptions","thinkingLevel","images"],
              "aspectRatios":["1:1","16:9"],"imageSizes":["1K","2K","4K"],"thinkingLevels":["MINIMAL","HIGH"],"maxSampleCount":4,
              "mimeTypes":["image/png","image/jpeg"]},
             {"id":"gemini-3-pro-image","protocol":"gemini","servedBy":null,"previews":true,
              "fields":["prompt","sampleCount","seed","aspectRatio","imageSize","personGeneration","safetySetting","outputOptions","thinkingLevel","images"],
              "aspectRatios":["1:1","16:9"],"imageSizes":["1K","2K","4K"],"thinkingLevels":["MINIMAL","HIGH"],"maxSampleCount":2,
              "mimeTypes":["image/png","image/jpeg"]},
             {"id":"imagen-4.0-ultra-generate-001","protocol":"imagen","servedBy":"gemini-3-pro-image","thinkingLevel":"HIGH","previews":false,
              "fields":["prompt","negativePrompt","sampleCount","seed","addWatermark","aspectRatio","outputOptions","sampleImageSize","storageUri"],
              "aspectRatios":["1:1","3:4"],"imageSizes":["1K","2K"],"maxSampleCount":4,"mimeTypes":["image/png"]}]}
            """;

    private static HttpServer server;
    private static ChromiumSession s;
    private static final List<String> posted = new CopyOnWriteArrayList<>();
    private static final List<String> streamed = new CopyOnWriteArrayList<>();
    private static byte[] png;

    @BeforeAll
    static void start() throws IOException {
        if (!ChromiumSession.available()) {
            return; // each test skips, loudly
        }
        BufferedImage image = new BufferedImage(320, 180, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(new Color(0x3a6fb0));
        g.fillRect(0, 0, 320, 180);
        g.setColor(new Color(0xf2c46d));
        g.fillOval(220, 30, 50, 50);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        png = bytes.toByteArray();

        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", StudioContractBrowserTest::handle);
        server.start();
        s = new ChromiumSession("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        try (exchange) {
            if (path.equals("/v1/models")) {
                send(exchange, 200, "application/json", MODELS.getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/v1/generations") && "POST".equals(exchange.getRequestMethod())) {
                posted.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                send(exchange, 202, "application/json", """
                        {"id":"gen_contract","events":"/v1/generations/gen_contract/events","status":"running","cache":"miss"}"""
                        .getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/v1/generations/gen_contract/events")) {
                streamed.add(exchange.getRequestURI().toString());
                stream(exchange);
            } else if (path.startsWith("/v1/images/")) {
                send(exchange, 200, "image/png", png);
            } else {
                String file = path.equals("/") ? "index.html" : path.substring(1);
                try (InputStream in = StudioContractBrowserTest.class.getClassLoader()
                        .getResourceAsStream("META-INF/resources/" + file)) {
                    if (in == null || file.contains("..")) {
                        send(exchange, 404, "text/plain", new byte[0]);
                    } else {
                        send(exchange, 200, type(file), in.readAllBytes());
                    }
                }
            }
        }
    }

    private static String type(String file) {
        return file.endsWith(".html") ? "text/html; charset=utf-8" : file.endsWith(".js") ? "text/javascript"
                : file.endsWith(".css") ? "text/css" : file.endsWith(".svg") ? "image/svg+xml"
                : file.endsWith(".ico") ? "image/x-icon" : "application/octet-stream";
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    /** The Gemini events of the contract, a little apart, as a real stream arrives. */
    private static void stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        String digest = "ab".repeat(32);
        List<String[]> events = List.of(
                new String[] {"accepted", "{\"id\":\"gen_contract\",\"model\":\"gemini-3-pro-image\",\"sampleCount\":1,"
                        + "\"deterministic\":false,\"cache\":\"miss\"}"},
                new String[] {"attempt", "{\"attempt\":1,\"location\":\"global\"}"},
                new String[] {"text", "{\"index\":0,\"text\":\"Sketching the cliff\"}"},
                new String[] {"text", "{\"index\":0,\"text\":\" and the lighthouse first.\"}"},
                new String[] {"preview", "{\"index\":0,\"mimeType\":\"image/png\",\"url\":\"/v1/images/preview-" + digest
                        + "\",\"bytes\":" + png.length + ",\"sha256\":\"" + digest + "\"}"},
                new String[] {"image", "{\"index\":0,\"mimeType\":\"image/png\",\"url\":\"/v1/images/" + digest + "\",\"bytes\":"
                        + png.length + ",\"sha256\":\"" + digest + "\"}"},
                new String[] {"done", "{\"images\":1,\"filtered\":0,\"cache\":\"miss\",\"attempts\":1,\"upstreamMs\":1800,"
                        + "\"totalMs\":1850,\"usage\":{\"promptTokenCount\":12,\"candidatesTokenCount\":1300,"
                        + "\"totalTokenCount\":1312,\"candidatesTokensDetails\":[{\"modality\":\"IMAGE\",\"tokenCount\":1290},"
                        + "{\"modality\":\"TEXT\",\"tokenCount\":10}]}}"});
        OutputStream out = exchange.getResponseBody();
        try {
            int id = 0;
            for (String[] event : events) {
                out.write(("id:" + ++id + "\nevent:" + event[0] + "\ndata:" + event[1] + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep("preview".equals(event[0]) ? 600 : 80);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void browser() {
        ChromiumSession.requireChromium();
    }

    @Test
    void geminiEventsRenderAsCommentaryAMarkedPreviewTheImageAndUsage() throws IOException {
        s.open();
        assertThat(s.js("return document.documentElement.dataset.models")).isEqualTo("gateway");
        @SuppressWarnings("unchecked")
        List<String> offered = (List<String>) s.js("return Array.from(document.getElementById('model').options).map(o => o.value)");
        assertThat(offered).containsExactly("gemini-3.1-flash-image", "gemini-3-pro-image", "imagen-4.0-ultra-generate-001");
        s.selectModel("imagen-4.0-ultra-generate-001");
        assertThat(s.text("#model-note")).contains("served by gemini-3-pro-image (thinking HIGH)");
        assertThat(s.find("#sampleImageSize").isDisplayed()).isTrue();

        s.selectModel("gemini-3-pro-image");
        @SuppressWarnings("unchecked")
        List<String> counts = (List<String>) s.js("return Array.from(document.getElementById('sampleCount').options).map(o => o.value)");
        assertThat(counts).as("maxSampleCount").containsExactly("1", "2");
        s.js("window.sawPreview = false; new MutationObserver(() => {"
                + " const tag = document.querySelector('#grid .slot.preview .tag');"
                + " if (tag && /preview/i.test(tag.textContent)) window.sawPreview = true;"
                + "}).observe(document.getElementById('grid'), {subtree: true, childList: true, attributes: true});");
        s.type("prompt", "a lighthouse on a cliff at dusk");
        s.choose("aspectRatio", "16:9");
        s.choose("thinkingLevel", "HIGH");
        s.reveal("inline");
        s.find("#inline").click();
        s.submit();
        s.await("the preview", d -> Boolean.TRUE.equals(s.js("return window.sawPreview")));
        s.screenshot("gemini-preview");
        s.awaitDone();
        s.await("the decoded image", d -> s.renderedImages() == 1);

        assertThat(s.text("#notes")).isEqualTo("Sketching the cliff and the lighthouse first.");
        assertThat(s.find("#grid .slot[data-index='0']").getDomAttribute("data-previews")).isEqualTo("1");
        assertThat(s.findAll("#grid .slot.preview")).isEmpty();
        assertThat(s.text("#summary [data-modality=IMAGE]")).isEqualTo("image 1290");
        assertThat(s.text("#summary [data-modality=TEXT]")).isEqualTo("text 10");
        assertThat(s.text("#summary")).contains("prompt 12").contains("total 1312");
        assertThat(s.loggedEventNames()).containsExactly("accepted", "attempt", "text", "text", "preview", "image", "done");

        JsonNode body = JSON.readTree(posted.get(posted.size() - 1));
        assertThat(body.toString()).isEqualTo("{\"model\":\"gemini-3-pro-image\",\"prompt\":\"a lighthouse on a cliff at dusk\","
                + "\"sampleCount\":1,\"aspectRatio\":\"16:9\",\"thinkingLevel\":\"HIGH\"}");
        assertThat(streamed.get(streamed.size() - 1)).isEqualTo("/v1/generations/gen_contract/events?inline=true");
        s.screenshot("gemini-done");
    }
}
