package imagen.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.GenerationRequest.OutputOptions;
import imagen.gateway.request.GenerationRequest.ReferenceImage;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Protocol;

/** The Gemini request a canonical request becomes: every mapped field, and nothing the caller left out. */
class GeminiCodecTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ModelSpec FLASH = new ModelSpec("gemini-3.1-flash-image", Protocol.GEMINI, Optional.empty(),
            Optional.empty(), List.of("1:1", "16:9"), List.of("1K", "2K", "4K"), List.of("MINIMAL", "HIGH"), false, List.of());
    private static final ModelSpec PRO = new ModelSpec("gemini-3-pro-image", Protocol.GEMINI, Optional.empty(),
            Optional.empty(), List.of("1:1"), List.of("1K", "2K", "4K"), List.of(), true, List.of());
    private static final ModelSpec IMAGEN_SERVED = new ModelSpec("imagen-4.0-generate-001", Protocol.IMAGEN,
            Optional.of("gemini-3.1-flash-image"), Optional.of("HIGH"), List.of("1:1", "16:9"), List.of("1K", "2K"),
            List.of(), false, List.of("global"));

    @Test
    void mapsEveryFieldTheCallerSet() throws Exception {
        byte[] reference = {1, 2, 3, 4};
        GenerationRequest raw = new GenerationRequest("gemini-3.1-flash-image", "a red fox", null, 2, 42L, null, "16:9",
                null, null, null, new OutputOptions("IMAGE/JPEG", 80), "ALLOW_ADULT", "block_some", null, null, null,
                "4k", "minimal", List.of(new ReferenceImage("image/png", reference)));
        CanonicalRequest request = CanonicalRequest.of(raw, FLASH, Map.of(), CallOptions.NONE);

        assertThat(json(GeminiCodec.body(request, 0))).isEqualTo(MAPPER.readTree("""
                {"contents":[{"role":"user","parts":[{"text":"a red fox"},
                   {"inlineData":{"mimeType":"image/png","data":"AQIDBA=="}}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"],"seed":42,
                   "imageConfig":{"aspectRatio":"16:9","imageSize":"4K","personGeneration":"ALLOW_ADULT",
                     "imageOutputOptions":{"mimeType":"image/jpeg","compressionQuality":80}},
                   "thinkingConfig":{"thinkingLevel":"MINIMAL"}},
                 "safetySettings":[
                   {"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_MEDIUM_AND_ABOVE"},
                   {"category":"HARM_CATEGORY_HATE_SPEECH","threshold":"BLOCK_MEDIUM_AND_ABOVE"},
                   {"category":"HARM_CATEGORY_SEXUALLY_EXPLICIT","threshold":"BLOCK_MEDIUM_AND_ABOVE"},
                   {"category":"HARM_CATEGORY_DANGEROUS_CONTENT","threshold":"BLOCK_MEDIUM_AND_ABOVE"}]}"""));
        assertThat(json(GeminiCodec.body(request, 1)).at("/generationConfig/seed").asInt()).isEqualTo(43);
        assertThat(json(GeminiCodec.body(request, 1)).at("/generationConfig/candidateCount").isMissingNode()).isTrue();
    }

    @Test
    void sendsOnlyTheModalitiesWhenTheCallerSetNothingElse() throws Exception {
        CanonicalRequest request = CanonicalRequest.of(prompt("lighthouse"), FLASH, Map.of(), CallOptions.NONE);

        assertThat(json(GeminiCodec.body(request, 0))).isEqualTo(MAPPER.readTree("""
                {"contents":[{"role":"user","parts":[{"text":"lighthouse"}]}],
                 "generationConfig":{"responseModalities":["TEXT","IMAGE"]}}"""));
    }

    @Test
    void asksForThoughtsFromAModelThatStreamsPreviews() {
        CanonicalRequest request = CanonicalRequest.of(prompt("harbour"), PRO, Map.of(), CallOptions.NONE);

        JsonNode body = json(GeminiCodec.body(request, 0));
        assertThat(body.at("/generationConfig/thinkingConfig").toString()).isEqualTo("{\"includeThoughts\":true}");
    }

    @Test
    void mapsPersonGenerationSafetyAndSizeOfAnImagenRequestServedByGemini() {
        GenerationRequest raw = new GenerationRequest("imagen-4.0-generate-001", "meadow", null, null, null, false, null,
                false, true, false, new OutputOptions(null, 60), "dont_allow", "block_few", "2k", "en", null, null,
                null, null);
        CanonicalRequest request = CanonicalRequest.of(raw, IMAGEN_SERVED, Map.of(), CallOptions.NONE);

        JsonNode config = json(GeminiCodec.body(request, 0)).get("generationConfig");
        assertThat(config.get("imageConfig").toString()).isEqualTo(
                "{\"imageSize\":\"2K\",\"personGeneration\":\"ALLOW_NONE\",\"imageOutputOptions\":{\"compressionQuality\":60}}");
        assertThat(config.get("thinkingConfig").toString()).isEqualTo("{\"thinkingLevel\":\"HIGH\"}");
        assertThat(config.has("seed")).isFalse();
        JsonNode safety = json(GeminiCodec.body(request, 0)).get("safetySettings");
        assertThat(safety).hasSize(4);
        safety.forEach(setting -> assertThat(setting.get("threshold").asText()).isEqualTo("BLOCK_ONLY_HIGH"));
    }

    @Test
    void mapsEachPersonGenerationAndSafetyValue() {
        Map<String, String> people = Map.of("allow_all", "ALLOW_ALL", "allow_adult", "ALLOW_ADULT", "dont_allow", "ALLOW_NONE");
        people.forEach((ours, theirs) -> assertThat(json(GeminiCodec.body(request(ours, null), 0))
                .at("/generationConfig/imageConfig/personGeneration").asText()).isEqualTo(theirs));
        Map<String, String> safety = Map.of("block_low_and_above", "BLOCK_LOW_AND_ABOVE",
                "block_medium_and_above", "BLOCK_MEDIUM_AND_ABOVE", "block_only_high", "BLOCK_ONLY_HIGH",
                "block_none", "BLOCK_NONE", "block_most", "BLOCK_LOW_AND_ABOVE");
        safety.forEach((ours, theirs) -> assertThat(json(GeminiCodec.body(request(null, ours), 0))
                .at("/safetySettings/3/threshold").asText()).isEqualTo(theirs));
    }

    @Test
    void seedsOfLaterSamplesCountOnAndWrapWithinTheSeedRange() {
        assertThat(GeminiCodec.seed(null, 3)).isNull();
        assertThat(GeminiCodec.seed(1L, 0)).isEqualTo(1);
        assertThat(GeminiCodec.seed(7L, 1)).isEqualTo(8);
        assertThat(GeminiCodec.seed(2147483647L, 0)).isEqualTo(2147483647);
        assertThat(GeminiCodec.seed(2147483647L, 1)).isEqualTo(1);
        assertThat(GeminiCodec.seed(2147483646L, 3)).isEqualTo(2);
    }

    private static CanonicalRequest request(String personGeneration, String safetySetting) {
        GenerationRequest raw = new GenerationRequest("gemini-3.1-flash-image", "p", null, null, null, null, null, null,
                null, null, null, personGeneration, safetySetting, null, null, null, null, null, null);
        return CanonicalRequest.of(raw, FLASH, Map.of(), CallOptions.NONE);
    }

    private static GenerationRequest prompt(String prompt) {
        return new GenerationRequest(null, prompt, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null);
    }

    /** The body as it goes on the wire (bytes as base64 text), read back. */
    private static JsonNode json(GenerateContentRequest body) {
        try {
            return MAPPER.readTree(MAPPER.writeValueAsBytes(body));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
