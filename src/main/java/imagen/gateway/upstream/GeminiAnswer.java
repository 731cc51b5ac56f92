package imagen.gateway.upstream;

import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.upstream.Content.Part;
import imagen.gateway.upstream.GenerateContentResponse.Candidate;
import imagen.gateway.upstream.GenerationResult.Filtered;
import imagen.gateway.upstream.GenerationResult.Image;
import imagen.gateway.upstream.GenerationResult.Output;
import imagen.gateway.upstream.GenerationResult.Text;

/**
 * One Gemini answer (one sample, one attempt) as its chunks arrive, and what it amounts to at the
 * end. Text is told to the listener as it streams and kept; thought images are told as previews
 * and not kept; the final image is kept; the last {@code usageMetadata} holds the totals (Vertex's
 * counts are cumulative across a stream's chunks).
 *
 * <p>A 200 is not a success unless it holds an image: a blocked prompt or an image-safety finish
 * is a {@link Filtered} output naming why; a finish without an image for any other reason
 * ({@code NO_IMAGE}, a text-only {@code STOP}, ...) is a non-retryable 422 carrying the reason and
 * the model's text; an error chunk is Vertex's error (retryable for 429 and 5xx); a stream that
 * ends before the model finished is a retryable 502. Never a result with neither image nor filter.
 *
 * <p>Used by one attempt at a time, its chunks in order (on an event loop, or on a worker for a
 * large one, never both at once): no locks.
 */
final class GeminiAnswer {

    private static final Logger LOG = Logger.getLogger(GeminiAnswer.class);

    /** Finish reasons that mean the image was withheld by a safety or policy filter. */
    static final Set<String> FILTERED = Set.of("IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
            "IMAGE_OTHER", "PROHIBITED_CONTENT", "SAFETY", "BLOCKLIST", "SPII", "RECITATION");
    private static final int MAX_TEXT_IN_ERROR = 300;

    private final UpstreamListener listener;
    private final StringBuilder text = new StringBuilder();
    private byte[] image;
    private String imageMimeType;
    private int images;
    private int previews;
    private boolean candidates;
    private String finishReason;
    private String finishMessage;
    private String blockReason;
    private String blockMessage;
    private JsonNode usage;
    private String modelVersion;

    /** @param listener hears index 0: the caller maps it to its sample */
    GeminiAnswer(UpstreamListener listener) {
        this.listener = listener;
    }

    /** One chunk of the stream (or the whole answer of {@code :generateContent}). */
    void accept(GenerateContentResponse chunk) {
        if (chunk.error() != null && !chunk.error().isNull()) {
            throw errorChunk(chunk.error());
        }
        if (chunk.usageMetadata() != null && !chunk.usageMetadata().isNull()) {
            usage = chunk.usageMetadata();
        }
        if (chunk.modelVersion() != null) {
            modelVersion = chunk.modelVersion();
        }
        if (chunk.promptFeedback() != null && chunk.promptFeedback().blockReason() != null) {
            blockReason = chunk.promptFeedback().blockReason();
            blockMessage = chunk.promptFeedback().blockReasonMessage();
        }
        for (Candidate candidate : chunk.candidates()) {
            if (candidate.index() != null && candidate.index() != 0) {
                // image models make one candidate per call; another would be a second sample nobody asked for
                continue;
            }
            candidates = true;
            if (candidate.content() != null) {
                candidate.content().parts().forEach(this::part);
            }
            if (candidate.finishReason() != null) {
                finishReason = candidate.finishReason();
                finishMessage = candidate.finishMessage();
            }
        }
    }

    private void part(Part part) {
        if (part.hasData()) {
            String mimeType = part.inlineData().mimeType() == null ? "image/png" : part.inlineData().mimeType();
            if (part.isThought()) {
                previews++;
                listener.onPreview(0, mimeType, part.inlineData().data());
            } else {
                // the model ends with its image; should it send more than one, the last is the answer
                images++;
                image = part.inlineData().data();
                imageMimeType = mimeType;
            }
        } else if (part.text() != null && !part.text().isEmpty()) {
            if (part.isThought()) {
                LOG.debugf("thought: %s", part.text());
            } else {
                text.append(part.text());
                listener.onText(0, part.text());
            }
        }
    }

    /** The totals of {@code usageMetadata} (the last chunk's); null when Vertex sent none. */
    JsonNode usage() {
        return usage;
    }

    /** {@code candidatesTokensDetails[modality=IMAGE].tokenCount}: what the image cost; 0 when not stated. */
    long imageTokens() {
        if (usage == null) {
            return 0;
        }
        long tokens = 0;
        for (JsonNode detail : usage.path("candidatesTokensDetails")) {
            if ("IMAGE".equals(detail.path("modality").asText())) {
                tokens += detail.path("tokenCount").asLong();
            }
        }
        return tokens;
    }

    /** What the stream amounted to, once it ended; throws an {@link UpstreamException} when it is no answer. */
    GenerationResult result(String model, long upstreamMs) {
        List<String> reasons = finishReason == null ? List.of() : List.of(finishReason);
        List<Text> texts = text.isEmpty() ? List.of() : List.of(new Text(0, text.toString()));
        Output output;
        if (image != null) {
            if (images > 1) {
                LOG.debugf("%s answered %d final images in one call; the last one is the sample", model, images);
            }
            output = new Image(0, imageMimeType, null, null, null, null, null, image);
        } else if (blockReason != null) {
            output = new Filtered(0, "prompt blocked: " + blockReason + (blockMessage == null ? "" : ": " + blockMessage));
        } else if (finishReason != null && FILTERED.contains(finishReason)) {
            output = new Filtered(0, finishReason + (finishMessage == null ? "" : ": " + finishMessage));
        } else if (!candidates) {
            throw new UpstreamException(502, "BAD_GATEWAY",
                    "upstream's stream ended without a candidate, a block reason or an error", true, null);
        } else if (finishReason == null) {
            throw new UpstreamException(502, "BAD_GATEWAY",
                    "upstream's stream ended before the model finished (no finish reason, no image)", true, null);
        } else {
            throw noImage();
        }
        return new GenerationResult(model, List.of(output), texts, null, usage, reasons, 1, upstreamMs);
    }

    /** A finish without an image that no filter explains: the model chose not to draw. Another try will not help. */
    private UpstreamException noImage() {
        StringBuilder message = new StringBuilder("the model finished with ").append(finishReason)
                .append(" without an image");
        if (finishMessage != null && !finishMessage.isBlank()) {
            message.append(" (").append(finishMessage).append(')');
        }
        if (!text.isEmpty()) {
            String said = text.length() > MAX_TEXT_IN_ERROR ? text.substring(0, MAX_TEXT_IN_ERROR) + "…" : text.toString();
            message.append("; it said: ").append(said);
        }
        if (previews > 0) {
            message.append(" (after ").append(previews).append(" interim image(s))");
        }
        return new UpstreamException(422, finishReason, message.toString(), false, null);
    }

    /** Vertex's error envelope inside a 200 stream: the same exception as if it had been the answer's status. */
    private static UpstreamException errorChunk(JsonNode error) {
        int code = error.path("code").asInt(0);
        ObjectNode envelope = JsonNodeFactory.instance.objectNode();
        envelope.set("error", error);
        return VertexErrors.fromResponse(code >= 400 && code < 600 ? code : 500, envelope.toString(), null);
    }

    String modelVersion() {
        return modelVersion;
    }
}
