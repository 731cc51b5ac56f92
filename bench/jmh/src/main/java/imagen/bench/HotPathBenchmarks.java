package imagen.bench;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.JacksonConfig;
import imagen.gateway.dedup.RequestKey;
import imagen.gateway.generation.GenerationRequest;
import imagen.gateway.generation.ImagenRequest;
import imagen.gateway.vertex.PredictResponse;

/**
 * The gateway's hot pure functions, on the gateway's own classes and ObjectMapper settings
 * ({@link JacksonConfig}): the de-duplication key, SSE event serialisation, and the two ways to get
 * image bytes out of a Vertex answer carrying a ~1 MB base64 image.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmarks {

    /** The alternative to decoding inside Jackson: keep the base64 text, decode it afterwards. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TextResponse(List<TextPrediction> predictions) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TextPrediction(String bytesBase64Encoded, String mimeType) {
    }

    ObjectMapper mapper;
    ImagenRequest request;
    ObjectNode imageEvent;
    ObjectNode doneEvent;
    byte[] predictJson;
    String base64;

    @Setup
    public void setup() {
        mapper = new ObjectMapper();
        new JacksonConfig().customize(mapper);
        GenerationRequest raw = new GenerationRequest("imagen-4.0-generate-001",
                "small boat on water in the morning, watercolor, soft light, mist over the lake, wide shot",
                "people, text", 2, 42L, false, "16:9", false, true, false,
                new GenerationRequest.OutputOptions("image/jpeg", 80), "allow_adult", "block_medium_and_above",
                "2K", "en", null);
        request = ImagenRequest.of(raw, "imagen-4.0-fast-generate-001", Map.of());
        imageEvent = mapper.createObjectNode().put("index", 0).put("mimeType", "image/png")
                .put("url", "/v1/images/85e8e4b8c3a1d0f5e9b2c7a4d6f8e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7")
                .put("bytes", 46262)
                .put("sha256", "85e8e4b8c3a1d0f5e9b2c7a4d6f8e0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7")
                .put("prompt", "A detailed, high-quality image of small boat on water, watercolor, morning light");
        doneEvent = mapper.createObjectNode().put("images", 2).put("filtered", 0).put("cache", "miss")
                .put("attempts", 1).put("upstreamMs", 2432).put("totalMs", 2485);
        byte[] image = new byte[786_432]; // 768 KiB -> 1 MiB of base64
        new Random(1).nextBytes(image);
        base64 = Base64.getEncoder().encodeToString(image);
        predictJson = ("{\"predictions\":[{\"bytesBase64Encoded\":\"" + base64 + "\",\"mimeType\":\"image/png\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public String requestKey() {
        return RequestKey.of(request);
    }

    @Benchmark
    public String serializeImageEvent() throws Exception {
        return mapper.writeValueAsString(imageEvent);
    }

    @Benchmark
    public String serializeDoneEvent() throws Exception {
        return mapper.writeValueAsString(doneEvent);
    }

    /** What the gateway does: Jackson decodes base64 straight into the record's byte[]. */
    @Benchmark
    public byte[] decodeJacksonByteArray() throws Exception {
        return mapper.readValue(predictJson, PredictResponse.class).predictions().get(0).bytesBase64Encoded();
    }

    /** Jackson keeps the text, java.util.Base64 decodes it afterwards. */
    @Benchmark
    public byte[] decodeJacksonStringThenBase64() throws Exception {
        String text = mapper.readValue(predictJson, TextResponse.class).predictions().get(0).bytesBase64Encoded();
        return Base64.getDecoder().decode(text);
    }

    /** java.util.Base64 alone, on a String already in memory (the lower bound of the decode itself). */
    @Benchmark
    public byte[] decodeBase64Only() {
        return Base64.getDecoder().decode(base64);
    }
}
