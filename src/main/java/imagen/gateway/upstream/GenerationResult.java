package imagen.gateway.upstream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one generation produced, typed: its outputs (images and filtered ones) by index, the
 * model's text, the prompt's own safety scores, token usage, and what it cost upstream. Events,
 * {@code :predict} answers, {@code :generateContent} answers and the status endpoint are all
 * rendered from it.
 *
 * @param model the model that made it (the Gemini replacement when an Imagen model was asked)
 * @param usage Gemini's {@code usageMetadata}, summed over the calls of the generation; null for Imagen
 * @param finishReasons Gemini's finish reason per call, in sample order; empty for Imagen
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationResult(String model, List<Output> outputs, List<Text> texts, JsonNode promptSafetyAttributes,
        JsonNode usage, List<String> finishReasons, int attempts, long upstreamMs) {

    public GenerationResult {
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        texts = texts == null ? List.of() : List.copyOf(texts);
        finishReasons = finishReasons == null ? List.of() : List.copyOf(finishReasons);
    }

    /** One requested image: made, or filtered with a reason. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
    @JsonSubTypes({@JsonSubTypes.Type(value = Image.class, name = "image"),
            @JsonSubTypes.Type(value = Filtered.class, name = "filtered")})
    public sealed interface Output permits Image, Filtered {
        int index();
    }

    /**
     * An image. Fresh from upstream it carries its bytes in {@code data}; once stored it is named by
     * {@code sha256} and carries none (bytes never travel in results, caches or events).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(int index, String mimeType, String sha256, Integer bytes, String prompt, String gcsUri,
            JsonNode safetyAttributes, @JsonIgnore byte[] data) implements Output {

        public Image stored(String digest) {
            return new Image(index, mimeType, digest, data == null ? bytes : Integer.valueOf(data.length), prompt, gcsUri,
                    safetyAttributes, null);
        }

        public Image at(int otherIndex) {
            return new Image(otherIndex, mimeType, sha256, bytes, prompt, gcsUri, safetyAttributes, data);
        }
    }

    public record Filtered(int index, String reason) implements Output {
        public Filtered at(int otherIndex) {
            return new Filtered(otherIndex, reason);
        }
    }

    /** The model's text for sample {@code index}. */
    public record Text(int index, String text) {
    }

    @JsonIgnore
    public List<Image> images() {
        return outputs.stream().filter(Image.class::isInstance).map(Image.class::cast).toList();
    }

    @JsonIgnore
    public List<Filtered> filtered() {
        return outputs.stream().filter(Filtered.class::isInstance).map(Filtered.class::cast).toList();
    }

    public GenerationResult withOutputs(List<Output> otherOutputs) {
        return new GenerationResult(model, otherOutputs, texts, promptSafetyAttributes, usage, finishReasons, attempts,
                upstreamMs);
    }

    public GenerationResult withCost(int otherAttempts, long otherUpstreamMs) {
        return new GenerationResult(model, outputs, texts, promptSafetyAttributes, usage, finishReasons, otherAttempts,
                otherUpstreamMs);
    }

    /**
     * The samples of one generation made by separate calls (Gemini makes one image per call), as
     * one result: outputs and texts re-indexed by sample, usage summed, attempts added up.
     */
    public static GenerationResult merge(String model, List<GenerationResult> samples, long upstreamMs) {
        List<Output> outputs = new ArrayList<>();
        List<Text> texts = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        JsonNode usage = null;
        int attempts = 0;
        for (int sample = 0; sample < samples.size(); sample++) {
            GenerationResult one = samples.get(sample);
            int index = sample;
            for (Output output : one.outputs()) {
                outputs.add(output instanceof Image image ? image.at(index) : ((Filtered) output).at(index));
            }
            one.texts().forEach(text -> texts.add(new Text(index, text.text())));
            reasons.addAll(one.finishReasons());
            usage = Usage.add(usage, one.usage());
            attempts += one.attempts();
        }
        outputs.sort(Comparator.comparingInt(Output::index));
        return new GenerationResult(model, outputs, texts, null, usage, reasons, attempts, upstreamMs);
    }
}
