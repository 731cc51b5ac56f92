package imagen.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.genai.Client;
import com.google.genai.types.GenerateImagesConfig;
import com.google.genai.types.GenerateImagesResponse;
import com.google.genai.types.GeneratedImage;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;

import imagen.gateway.support.TestImages;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Google's official Gen AI SDK (Java, Vertex mode) against the gateway, which only changes its
 * base URL; the upstream is the embedded simulator.
 */
@QuarkusTest
class GoogleGenAiSdkTest {

    @TestHTTPResource("/")
    URI base;

    /** A Vertex-mode client whose every call goes to {@code baseUrl}, once (no SDK retries). */
    static Client vertexClient(String baseUrl) {
        GoogleCredentials credentials = GoogleCredentials.create(
                new AccessToken("dummy-sdk-token", Date.from(Instant.now().plus(3650, ChronoUnit.DAYS))));
        return Client.builder()
                .vertexAI(true)
                .project("p")
                .location("us-central1")
                .credentials(credentials)
                .httpOptions(HttpOptions.builder()
                        .baseUrl(baseUrl)
                        .timeout(30_000)
                        .retryOptions(HttpRetryOptions.builder().attempts(1).build())
                        .build())
                .build();
    }

    static GenerateImagesConfig landscapeJpegs() {
        return GenerateImagesConfig.builder()
                .numberOfImages(2)
                .seed(5)
                .addWatermark(false)
                .aspectRatio("16:9")
                .outputMimeType("image/jpeg")
                .enhancePrompt(true)
                .build();
    }

    @Test
    void officialSdkGeneratesImagesThroughTheGateway() {
        try (Client client = vertexClient(base.toString().replaceAll("/$", ""))) {
            GenerateImagesResponse response = client.models.generateImages("imagen-4.0-generate-001",
                    "small boat on water in the morning, watercolor", landscapeJpegs());

            List<GeneratedImage> images = response.generatedImages().orElseThrow();
            assertThat(images).hasSize(2);
            for (GeneratedImage generated : images) {
                byte[] bytes = generated.image().orElseThrow().imageBytes().orElseThrow();
                assertThat(TestImages.formatOf(bytes)).isEqualTo("jpeg");
                var picture = TestImages.decode(bytes);
                assertThat(picture.getWidth()).isEqualTo(1408);
                assertThat(picture.getHeight()).isEqualTo(768);
                assertThat(generated.image().get().mimeType()).contains("image/jpeg");
                assertThat(generated.enhancedPrompt()).as("enhancePrompt returns the rewritten prompt").isPresent();
            }
            assertThat(images.get(0).image().get().imageBytes().get())
                    .isNotEqualTo(images.get(1).image().get().imageBytes().get());
        }
    }
}
