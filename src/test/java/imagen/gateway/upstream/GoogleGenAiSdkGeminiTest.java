package imagen.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ClientException;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.ImageConfig;
import com.google.genai.types.Part;

import imagen.gateway.simulator.ImagePainter;
import imagen.gateway.support.TestImages;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Google's google-genai SDK (Java, Vertex mode) calling Gemini image models through the gateway's
 * Vertex-compatible {@code :generateContent} and {@code :streamGenerateContent}, with only its base
 * URL changed; the upstream is the embedded simulator.
 */
@QuarkusTest
class GoogleGenAiSdkGeminiTest {

    @TestHTTPResource("/")
    URI base;

    private Client client() {
        return GoogleGenAiSdkTest.vertexClient(base.toString().replaceAll("/$", ""));
    }

    private static GenerateContentConfig landscape(int seed) {
        return GenerateContentConfig.builder()
                .responseModalities("TEXT", "IMAGE")
                .seed(seed)
                .imageConfig(ImageConfig.builder().aspectRatio("16:9").imageSize("1K").build())
                .build();
    }

    @Test
    void generateContentReturnsTheModelsTextAndItsImage() {
        try (Client client = client()) {
            GenerateContentResponse answer = client.models.generateContent("gemini-3.1-flash-image",
                    "small boat on water in the morning, watercolor", landscape(11));
            List<Part> parts = answer.candidates().orElseThrow().get(0).content().orElseThrow().parts().orElseThrow();
            assertThat(parts.stream().filter(p -> p.text().isPresent())).as("the model's text").isNotEmpty();
            byte[] image = parts.stream().filter(p -> p.inlineData().isPresent()).findFirst().orElseThrow()
                    .inlineData().get().data().orElseThrow();
            var picture = TestImages.decode(image);
            int[] size = ImagePainter.dimensions("16:9", "1K");
            assertThat(picture.getWidth()).isEqualTo(size[0]);
            assertThat(picture.getHeight()).isEqualTo(size[1]);
            assertThat(answer.usageMetadata()).as("usage by modality").isPresent();

            GenerateContentResponse again = client.models.generateContent("gemini-3.1-flash-image",
                    "small boat on water in the morning, watercolor", landscape(11));
            byte[] same = again.candidates().get().get(0).content().get().parts().get().stream()
                    .filter(p -> p.inlineData().isPresent()).findFirst().orElseThrow().inlineData().get().data().get();
            assertThat(same).as("the same seeded request, the same image (from the cache)").isEqualTo(image);
        }
    }

    @Test
    void generateContentStreamSendsTextThenAThoughtImageThenTheImageAndTheFinish() {
        List<String> kinds = new ArrayList<>();
        String finish = null;
        try (Client client = client();
                ResponseStream<GenerateContentResponse> stream = client.models.generateContentStream("gemini-3-pro-image",
                        "a lighthouse at dusk", landscape(12))) {
            for (GenerateContentResponse chunk : stream) {
                var candidate = chunk.candidates().orElseThrow().get(0);
                for (Part part : candidate.content().flatMap(c -> c.parts()).orElse(List.of())) {
                    if (part.text().isPresent()) {
                        kinds.add("text");
                    } else if (part.inlineData().isPresent()) {
                        kinds.add(part.thought().orElse(false) ? "thought-image" : "image");
                        assertThat(TestImages.decode(part.inlineData().get().data().orElseThrow())).isNotNull();
                    }
                }
                if (candidate.finishReason().isPresent()) {
                    finish = candidate.finishReason().get().toString();
                    assertThat(chunk.usageMetadata()).isPresent();
                }
            }
        }
        assertThat(kinds).startsWith("text").contains("thought-image");
        assertThat(kinds.indexOf("thought-image")).isLessThan(kinds.lastIndexOf("image"));
        assertThat(kinds.get(kinds.size() - 1)).isEqualTo("image");
        assertThat(finish).isEqualTo("STOP");
    }

    @Test
    void aFieldTheGatewayCannotCarryIsRefusedByItsPath() {
        try (Client client = client()) {
            GenerateContentConfig config = GenerateContentConfig.builder().responseModalities("TEXT", "IMAGE")
                    .temperature(0.2f).build();
            assertThatThrownBy(() -> client.models.generateContent("gemini-3.1-flash-image", "a meadow", config))
                    .isInstanceOf(ClientException.class)
                    .hasMessageContaining("generationConfig.temperature");
        }
    }
}
