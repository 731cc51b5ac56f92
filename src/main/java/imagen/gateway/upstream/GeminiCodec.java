package imagen.gateway.upstream;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.config.TaggedCounters;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.GenerationRequest.OutputOptions;
import imagen.gateway.request.GenerationRequest.ReferenceImage;
import imagen.gateway.upstream.GenerateContentRequest.GenerationConfig;
import imagen.gateway.upstream.GenerateContentRequest.ImageConfig;
import imagen.gateway.upstream.GenerateContentRequest.ImageOutputOptions;
import imagen.gateway.upstream.GenerateContentRequest.SafetySetting;
import imagen.gateway.upstream.GenerateContentRequest.ThinkingConfig;
import io.smallrye.mutiny.Uni;

/**
 * Gemini image models on the wire: one {@code :streamGenerateContent?alt=sse} call makes one
 * sample (image models refuse {@code candidateCount} > 1, so it is never sent), streamed so the
 * model's text and interim images reach the caller while it draws.
 *
 * <p>The request carries what the caller set, canonically spelled, and nothing else but
 * {@code responseModalities: ["TEXT","IMAGE"]}; what is left out keeps Vertex's default:
 * <pre>
 * prompt                      contents[0] {role: user, parts: [{text}]}
 * images[]                    + one {inlineData: {mimeType, data}} part each, after the text
 * seed (sample i of N)        generationConfig.seed = seed + i, wrapping within 1..2147483647
 * aspectRatio                 generationConfig.imageConfig.aspectRatio
 * imageSize | sampleImageSize generationConfig.imageConfig.imageSize (only when one of them was set)
 * personGeneration            generationConfig.imageConfig.personGeneration
 *                               allow_all → ALLOW_ALL, allow_adult → ALLOW_ADULT, dont_allow → ALLOW_NONE
 * outputOptions               generationConfig.imageConfig.imageOutputOptions {mimeType, compressionQuality}
 * thinkingLevel (or the       generationConfig.thinkingConfig.thinkingLevel
 *   served-by model's)
 * model streams previews      generationConfig.thinkingConfig.includeThoughts = true
 * safetySetting               safetySettings: HARASSMENT, HATE_SPEECH, SEXUALLY_EXPLICIT, DANGEROUS_CONTENT
 *                               each at BLOCK_LOW_AND_ABOVE | BLOCK_MEDIUM_AND_ABOVE | BLOCK_ONLY_HIGH | BLOCK_NONE
 * </pre>
 * A seeded request of N samples sends seeds s, s+1, …, s+N−1 (after 2147483647 comes 1), so its N
 * images differ while the request as a whole stays deterministic: the same request gives the
 * same N images, which is what lets it be cached and coalesced.
 */
@ApplicationScoped
class GeminiCodec {

    static final List<String> MODALITIES = List.of("TEXT", "IMAGE");
    static final List<String> HARM_CATEGORIES = List.of("HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH",
            "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT");
    private static final Map<String, String> PERSON_GENERATION = Map.of("allow_all", "ALLOW_ALL",
            "allow_adult", "ALLOW_ADULT", "dont_allow", "ALLOW_NONE");
    private static final long MAX_SEED = Integer.MAX_VALUE;

    @Inject
    VertexCalls calls;

    @Inject
    VertexSse sse;

    @Inject
    ObjectMapper mapper;

    @Inject
    TaggedCounters counters;

    /**
     * One attempt at sample {@code sample} against one location. The listener hears index 0 (the
     * caller maps it to the sample); the result's outputs and text are at index 0.
     */
    Uni<GenerationResult> attempt(String location, CanonicalRequest request, int sample, int attempt,
            UpstreamListener listener) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(body(request, sample));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write the :streamGenerateContent body", e));
        }
        String model = request.calledModel();
        String url = calls.baseUri(location) + "/v1/projects/" + calls.project() + "/locations/" + location
                + "/publishers/google/models/" + model + ":streamGenerateContent?alt=sse";
        String fault = calls.fault(request, attempt);
        return calls.timed(location, () -> {
            long start = System.nanoTime();
            GeminiAnswer answer = new GeminiAnswer(listener);
            return calls.accessToken()
                    .chain(token -> sse.post(url, headers(token, fault), body,
                            (data, length) -> answer.accept(mapper.readValue(data, GenerateContentResponse.class)),
                            VertexErrors::fromResponse)
                            .onFailure(VertexCalls::tokenRejected).invoke(() -> calls.rejected(token)))
                    .map(done -> {
                        long imageTokens = answer.imageTokens();
                        if (imageTokens > 0) {
                            counters.get("imagen.upstream.image.tokens", "model", model).increment(imageTokens);
                        }
                        return answer.result(model, (System.nanoTime() - start) / 1_000_000);
                    });
        });
    }

    private static Map<String, String> headers(String token, String fault) {
        Map<String, String> headers = new LinkedHashMap<>(2);
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (fault != null) {
            headers.put(CallOptions.FAULT_HEADER, fault);
        }
        return headers;
    }

    /** The body of sample {@code sample}: what the caller set, canonically spelled; see the class comment. */
    static GenerateContentRequest body(CanonicalRequest request, int sample) {
        GenerationRequest r = request.request();
        List<Content.Part> parts = new ArrayList<>(1 + request.images().size());
        parts.add(Content.Part.text(request.prompt()));
        for (ReferenceImage image : request.images()) {
            parts.add(Content.Part.inline(image.mimeType(), image.data()));
        }
        String imageSize = r.imageSize() != null || r.sampleImageSize() != null ? request.imageSize() : null;
        OutputOptions output = r.outputOptions();
        ImageOutputOptions outputOptions = output == null || (output.mimeType() == null && output.compressionQuality() == null)
                ? null : new ImageOutputOptions(output.mimeType(), output.compressionQuality());
        String personGeneration = r.personGeneration() == null ? null
                : PERSON_GENERATION.getOrDefault(r.personGeneration(), r.personGeneration().toUpperCase(java.util.Locale.ROOT));
        ImageConfig imageConfig = r.aspectRatio() == null && imageSize == null && personGeneration == null
                && outputOptions == null ? null : new ImageConfig(r.aspectRatio(), imageSize, personGeneration, outputOptions);
        String thinkingLevel = request.thinkingLevel();
        Boolean includeThoughts = request.model().previews() ? Boolean.TRUE : null;
        ThinkingConfig thinking = thinkingLevel == null && includeThoughts == null ? null
                : new ThinkingConfig(thinkingLevel, includeThoughts, null);
        GenerationConfig config = new GenerationConfig(MODALITIES, null, seed(r.seed(), sample), null, null, null, null,
                imageConfig, thinking);
        List<SafetySetting> safety = null;
        if (r.safetySetting() != null) {
            String threshold = r.safetySetting().toUpperCase(java.util.Locale.ROOT);
            safety = HARM_CATEGORIES.stream().map(category -> new SafetySetting(category, threshold)).toList();
        }
        return new GenerateContentRequest(List.of(new Content("user", parts)), config, safety);
    }

    /** Sample {@code sample}'s seed: {@code seed + sample}, wrapping within 1..2147483647; null when unseeded. */
    static Integer seed(Long seed, int sample) {
        if (seed == null) {
            return null;
        }
        return (int) (Math.floorMod(seed - 1 + sample, MAX_SEED) + 1);
    }
}
