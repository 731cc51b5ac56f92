package imagen.gateway.upstream;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.upstream.GenerationResult.Filtered;
import imagen.gateway.upstream.GenerationResult.Image;
import imagen.gateway.upstream.GenerationResult.Output;
import imagen.gateway.upstream.PredictResponse.Prediction;
import io.smallrye.mutiny.Uni;

/**
 * Imagen's {@code :predict} on the wire: the request's {@code instances} and {@code parameters}
 * (what the caller sent, canonically spelled; defaults are left to Vertex), and the predictions
 * back as a typed result.
 */
@ApplicationScoped
class ImagenCodec {

    @Inject
    VertexCalls calls;

    @Inject
    ObjectMapper mapper;

    /** One {@code :predict} attempt against one location. */
    Uni<GenerationResult> attempt(String location, CanonicalRequest request, int attempt) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(new PredictRequest(
                    List.of(new PredictRequest.Instance(request.prompt(), request.request().negativePrompt())),
                    parameters(request)));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("cannot write the :predict body", e));
        }
        long start = System.nanoTime();
        return calls.timed(location, () -> calls.client(location).predict(calls.project(), location, request.calledModel(),
                calls.fault(request, attempt), body))
                .map(response -> result(request, response, (System.nanoTime() - start) / 1_000_000));
    }

    /** Vertex's {@code parameters}: what the caller sent, canonically spelled, unknown ones forwarded. */
    ObjectNode parameters(CanonicalRequest request) {
        ObjectNode node = mapper.createObjectNode();
        GenerationRequest r = request.request();
        putIfSet(node, "sampleCount", r.sampleCount());
        putIfSet(node, "seed", r.seed());
        putIfSet(node, "addWatermark", r.addWatermark());
        putIfSet(node, "aspectRatio", r.aspectRatio());
        putIfSet(node, "enhancePrompt", r.enhancePrompt());
        putIfSet(node, "includeRaiReason", r.includeRaiReason());
        putIfSet(node, "includeSafetyAttributes", r.includeSafetyAttributes());
        if (r.outputOptions() != null && (r.outputOptions().mimeType() != null || r.outputOptions().compressionQuality() != null)) {
            node.set("outputOptions", mapper.valueToTree(r.outputOptions()));
        }
        putIfSet(node, "personGeneration", r.personGeneration());
        putIfSet(node, "safetySetting", r.safetySetting());
        putIfSet(node, "sampleImageSize", r.sampleImageSize());
        putIfSet(node, "language", r.language());
        putIfSet(node, "storageUri", r.storageUri());
        request.extraParameters().forEach(node::set);
        return node;
    }

    /** Predictions in answer order: images and filtered ones take the next index; the prompt's own scores go aside. */
    static GenerationResult result(CanonicalRequest request, PredictResponse response, long upstreamMs) {
        List<Output> outputs = new ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode promptSafety = null;
        int index = 0;
        for (Prediction prediction : response.predictionsOrEmpty()) {
            if (prediction.isImage()) {
                String mimeType = prediction.mimeType() != null ? prediction.mimeType() : "image/png";
                byte[] data = prediction.bytesBase64Encoded() != null && prediction.bytesBase64Encoded().length > 0
                        ? prediction.bytesBase64Encoded() : null;
                outputs.add(new Image(index++, mimeType, null, null, prediction.prompt(), prediction.gcsUri(),
                        prediction.safetyAttributes(), data));
            } else if (prediction.isFiltered()) {
                outputs.add(new Filtered(index++, prediction.raiFilteredReason()));
            } else if (prediction.safetyAttributes() != null && promptSafety == null) {
                promptSafety = prediction.safetyAttributes();
            }
        }
        return new GenerationResult(request.calledModel(), outputs, List.of(), promptSafety, null, List.of(), 1, upstreamMs);
    }

    private static void putIfSet(ObjectNode node, String name, Object value) {
        if (value instanceof Integer i) {
            node.put(name, i);
        } else if (value instanceof Long l) {
            node.put(name, l);
        } else if (value instanceof Boolean b) {
            node.put(name, b);
        } else if (value != null) {
            node.put(name, value.toString());
        }
    }
}
