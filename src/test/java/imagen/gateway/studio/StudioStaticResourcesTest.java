package imagen.gateway.studio;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagen.gateway.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** How the studio's files are served: all from the gateway, revalidated, with a real favicon. */
@QuarkusTest
class StudioStaticResourcesTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void thePageRevalidates() {
        Response page = given().get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        String lastModified = page.header("Last-Modified");
        assertThat(lastModified).isNotBlank();
        assertThat(given().header("If-Modified-Since", lastModified).get("/").statusCode()).isEqualTo(304);
        assertThat(given().get("/index.html").header("Cache-Control")).isEqualTo("no-cache");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/studio.js", "/studio.css", "/favicon.svg", "/favicon.ico"})
    void assetsAreServedAndRevalidate(String path) {
        Response asset = given().get(path);
        assertThat(asset.statusCode()).isEqualTo(200);
        assertThat(asset.header("Cache-Control")).as("%s is not content-hashed", path).isEqualTo("no-cache");
    }

    @Test
    void theFaviconIsAnIcon() {
        Response icon = given().get("/favicon.ico");
        assertThat(icon.statusCode()).isEqualTo(200);
        byte[] bytes = icon.asByteArray();
        assertThat(bytes).startsWith(0, 0, 1, 0); // ICO header: reserved 0, type 1
        assertThat(icon.contentType()).containsAnyOf("image/x-icon", "image/vnd.microsoft.icon");
    }

    @Test
    void thePageLoadsNothingFromElsewhere() {
        for (String path : new String[] {"/", "/studio.js", "/studio.css"}) {
            String text = given().get(path).asString();
            assertThat(text).as(path).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?(https?:)?//")
                    .doesNotContainPattern("(?i)url\\(\\s*[\"']?(https?:)?//").doesNotContain("@import");
        }
    }

    @Test
    void imagesKeepTheirImmutableCaching() {
        String body = "{\"prompt\":\"cache header check\",\"sampleCount\":1,\"seed\":9157,\"addWatermark\":false}";
        String url;
        try (SseClient stream = SseClient.post(URI.create(root + "v1/generations"), body, Map.of())) {
            url = stream.awaitEvent(e -> "image".equals(e.name()), Duration.ofSeconds(20)).json().get("url").asText();
        }
        assertThat(given().get(url).header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    }
}
