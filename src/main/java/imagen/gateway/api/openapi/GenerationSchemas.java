package imagen.gateway.api.openapi;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The bodies of {@code /v1/generations} that the resources build as maps and trees, and the data of
 * each SSE event ({@code generation/Events}), as the OpenAPI document shows them. Read by the
 * OpenAPI scan only; the contract test holds them to real answers and real streams.
 */
public final class GenerationSchemas {

    /** A request for an Imagen model, for the document. */
    public static final String IMAGEN_REQUEST = "{\"model\":\"imagen-4.0-fast-generate-001\",\"prompt\":\"small boat on water"
            + " in the morning, watercolor\",\"sampleCount\":2,\"seed\":42,\"addWatermark\":false,\"aspectRatio\":\"16:9\","
            + "\"outputOptions\":{\"mimeType\":\"image/jpeg\",\"compressionQuality\":80}}";

    /** A request for a Gemini image model, for the document. */
    public static final String GEMINI_REQUEST = "{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"small boat on water"
            + " in the morning, watercolor\",\"seed\":42,\"aspectRatio\":\"21:9\",\"imageSize\":\"2K\",\"thinkingLevel\":\"HIGH\"}";

    private GenerationSchemas() {
    }

    @Schema(name = "CacheStatus", description = "The de-duplication decision: `hit` is a cached result of an identical"
            + " seeded request, `coalesced` shares an identical seeded request in flight, `miss` calls the model")
    public enum CacheStatus {
        @JsonProperty("miss") MISS,
        @JsonProperty("hit") HIT,
        @JsonProperty("coalesced") COALESCED
    }

    @Schema(name = "JobStatus", description = "`cancelled`: an unseeded job that nobody watched for"
            + " imagen.jobs.orphan-grace (30 s)")
    public enum JobStatus {
        @JsonProperty("running") RUNNING,
        @JsonProperty("succeeded") SUCCEEDED,
        @JsonProperty("failed") FAILED,
        @JsonProperty("cancelled") CANCELLED
    }

    @Schema(name = "AcceptedGeneration", description = "The job just created: where to follow it")
    public record Accepted(
            @Schema(required = true, description = "The job's id", examples = "4f1c2b0e9d8a4c7f") String id,
            @Schema(required = true, description = "Its SSE stream, for EventSource",
                    examples = "/v1/generations/4f1c2b0e9d8a4c7f/events") String events,
            @Schema(required = true) JobStatus status,
            @Schema(required = true) CacheStatus cache) {
    }

    @Schema(name = "GenerationJob", description = "A job's status and result, read from its outcome. `images` and"
            + " `filtered` are empty until it succeeds; `result` is there once it succeeded, `error` once it failed.")
    public record Job(
            @Schema(required = true) String id,
            @Schema(required = true) JobStatus status,
            @Schema(required = true, description = "The model the request named", examples = "gemini-3.1-flash-image")
            String model,
            @Schema(description = "The Gemini model that serves a retired Imagen model") String servedBy,
            @Schema(required = true) int sampleCount,
            @Schema(required = true, description = "Seeded: de-duplicated and cached") boolean deterministic,
            @Schema(required = true) CacheStatus cache,
            @Schema(required = true, description = "Its SSE stream") String events,
            @Schema(required = true, format = "date-time") String createdAt,
            @Schema(format = "date-time") String finishedAt,
            @Schema(required = true) List<JobImage> images,
            @Schema(required = true) List<JobFiltered> filtered,
            JobResult result,
            @Schema(description = "Why it failed") ErrorSchemas.Problem error) {
    }

    @Schema(name = "GenerationImage", description = "One image of a finished job")
    public record JobImage(
            @Schema(required = true, enumeration = "image") String kind,
            @Schema(required = true, description = "The sample it is, from 0") int index,
            @Schema(required = true, examples = "image/png") String mimeType,
            @Schema(description = "SHA-256 of the bytes: the image's name in /v1/images") String sha256,
            @Schema(description = "Size in bytes") Integer bytes,
            @Schema(description = "GET here for the bytes",
                    examples = "/v1/images/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
            String url,
            @Schema(description = "The prompt as the model rewrote it (enhancePrompt)") String prompt,
            @Schema(description = "Where Vertex wrote it, with storageUri") String gcsUri,
            @Schema(description = "Imagen's safety scores, with includeSafetyAttributes", type = SchemaType.OBJECT)
            Object safetyAttributes) {
    }

    @Schema(name = "GenerationFiltered", description = "A requested image the model withheld")
    public record JobFiltered(
            @Schema(required = true, enumeration = "filtered") String kind,
            @Schema(required = true) int index,
            @Schema(description = "Why: Imagen's raiFilteredReason, Gemini's block or finish reason") String reason) {
    }

    @Schema(name = "GenerationResult", description = "What a successful job cost and made")
    public record JobResult(
            @Schema(required = true, description = "Images made") int images,
            @Schema(required = true, description = "Images requested and withheld") int filtered,
            @Schema(required = true) CacheStatus cache,
            @Schema(required = true, description = "Upstream calls made; 0 for a hit") int attempts,
            @Schema(required = true, description = "Time spent upstream") long upstreamMs,
            UsageMetadata usage) {
    }

    @Schema(name = "UsageMetadata", additionalProperties = Schema.True.class, description = "Gemini's usageMetadata"
            + " as Vertex AI sends it (members it adds pass through): tokens, summed over the calls of the job (one"
            + " per sample), per modality in the details. Imagen models have none.")
    public record UsageMetadata(
            Long promptTokenCount,
            Long candidatesTokenCount,
            Long thoughtsTokenCount,
            Long totalTokenCount,
            List<ModalityTokenCount> promptTokensDetails,
            List<ModalityTokenCount> candidatesTokensDetails,
            @Schema(examples = "ON_DEMAND") String trafficType) {
    }

    @Schema(name = "ModalityTokenCount")
    public record ModalityTokenCount(@Schema(examples = "IMAGE") String modality, Long tokenCount) {
    }

    // --- SSE -----------------------------------------------------------------------------------

    @Schema(name = "GenerationEvent", description = "One Server-Sent Event of a job's stream: `id:` (the event's"
            + " sequence number in the job, for Last-Event-ID), `event:` (its name), `data:` (one line of JSON, by"
            + " event name: accepted → AcceptedEvent, attempt → AttemptEvent, retry → RetryEvent, text → TextEvent,"
            + " preview → PreviewEvent, image → ImageEvent, filtered → FilteredEvent, done → DoneEvent,"
            + " error → Problem). A `: keep-alive` comment is sent every imagen.sse.heartbeat (15 s) while the"
            + " job runs. Exactly one terminal event (done or error) ends the stream.")
    public record Event(
            @Schema(required = true, description = "Sequence number within the job, from 1", examples = "1") String id,
            @Schema(required = true, enumeration = {"accepted", "attempt", "retry", "text", "preview", "image",
                    "filtered", "done", "error"}) String event,
            @Schema(required = true, description = "The event's JSON", anyOf = {AcceptedEvent.class, AttemptEvent.class,
                    RetryEvent.class, TextEvent.class, PreviewEvent.class, ImageEvent.class, FilteredEvent.class,
                    DoneEvent.class, ErrorSchemas.Problem.class}) Object data) {
    }

    @Schema(name = "AcceptedEvent", description = "`accepted`, first: the job and its cache decision")
    public record AcceptedEvent(
            @Schema(required = true) String id,
            @Schema(required = true) String model,
            @Schema(description = "The Gemini model that serves a retired Imagen model") String servedBy,
            @Schema(required = true) int sampleCount,
            @Schema(required = true) boolean deterministic,
            @Schema(required = true) CacheStatus cache) {
    }

    @Schema(name = "AttemptEvent", description = "`attempt`: an upstream call begins")
    public record AttemptEvent(
            @Schema(required = true, description = "1 for the first try") int attempt,
            @Schema(required = true, description = "The Vertex AI location called", examples = "global") String location) {
    }

    @Schema(name = "RetryEvent", description = "`retry`: an attempt failed and another follows after the backoff")
    public record RetryEvent(
            @Schema(required = true) int attempt,
            @Schema(required = true, description = "The HTTP status of the failure") int status,
            @Schema(required = true, description = "Vertex AI's status name", examples = "RESOURCE_EXHAUSTED") String reason,
            @Schema(required = true) String detail,
            @Schema(required = true, description = "The wait before the next attempt") long delayMs) {
    }

    @Schema(name = "TextEvent", description = "`text`: a Gemini text part (the model's commentary), as it streams;"
            + " replayed before the images of a cache hit")
    public record TextEvent(@Schema(required = true) int index, @Schema(required = true) String text) {
    }

    @Schema(name = "PreviewEvent", description = "`preview`: a Gemini interim image (a thought part), before the final one")
    public record PreviewEvent(
            @Schema(required = true) int index,
            @Schema(required = true) String mimeType,
            @Schema(required = true) String url,
            @Schema(required = true) int bytes,
            @Schema(required = true) String sha256) {
    }

    @Schema(name = "ImageEvent", description = "`image`: one per image made. The bytes are at `url`; with"
            + " ?inline=true they are also in `data` (base64).")
    public record ImageEvent(
            @Schema(required = true) int index,
            @Schema(required = true) String mimeType,
            String url,
            Integer bytes,
            String sha256,
            @Schema(description = "The prompt as the model rewrote it (enhancePrompt)") String prompt,
            @Schema(description = "Where Vertex wrote it, with storageUri") String gcsUri,
            @Schema(type = SchemaType.OBJECT, description = "Imagen's safety scores, with includeSafetyAttributes")
            Object safetyAttributes,
            @Schema(format = "byte", description = "The bytes, base64, with ?inline=true") String data) {
    }

    @Schema(name = "FilteredEvent", description = "`filtered`: a requested image the model withheld")
    public record FilteredEvent(@Schema(required = true) int index, String reason) {
    }

    @Schema(name = "DoneEvent", description = "`done`, terminal: the job succeeded")
    public record DoneEvent(
            @Schema(required = true) int images,
            @Schema(required = true) int filtered,
            @Schema(required = true) CacheStatus cache,
            @Schema(required = true, description = "Upstream calls made; 0 for a hit") int attempts,
            @Schema(required = true) long upstreamMs,
            @Schema(required = true, description = "From the request to the end") long totalMs,
            @Schema(description = "The Gemini model that made it, when it serves a retired Imagen model") String model,
            @Schema(type = SchemaType.OBJECT, description = "Imagen's safety scores of the prompt, with includeSafetyAttributes")
            Object promptSafetyAttributes,
            UsageMetadata usage) {
    }
}
