package imagen.gateway.api;

import java.net.URI;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.api.openapi.ErrorSchemas;
import imagen.gateway.api.openapi.GenerationSchemas;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.access.Admission;
import imagen.gateway.generation.Job;
import imagen.gateway.generation.JobRegistry;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.GenerationResult;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;

/**
 * The generation API: create a job (JSON or the stream itself), follow its events as SSE, poll its
 * status.
 */
@Path("/v1/generations")
@Tag(name = "generations", description = "Generate images: a job per request, followed as Server-Sent Events or polled")
public class GenerationResource {

    /** What the OpenAPI document says of a job's stream, here and in POST's streamed variant. */
    private static final String STREAM = "The job's events, one SSE event each (`id:`, `event:`, one line of JSON"
            + " `data:`): `accepted` first; `attempt` and `retry` per upstream try; `text` and `preview` as a Gemini"
            + " model streams; one `image` or `filtered` per requested image; then exactly one terminal event, `done`"
            + " or `error` (a problem), and the stream ends. A `: keep-alive` comment comes every imagen.sse.heartbeat"
            + " (15 s). A finished job replays its whole log. Once the stream has begun, a failure is an `error`"
            + " event, never a status.";

    private static final String EVENTS = "/events";
    private static final String INLINE = "Image events also carry the bytes, base64, in `data`. Off by default:"
            + " images travel by URL, since a Cloud Run HTTP/1 response is capped at 32 MiB";

    @Inject
    Admission admission;

    @Inject
    JobRegistry jobs;

    @Inject
    EventStreams streams;

    @Inject
    RequestValidation validation;

    @Inject
    ObjectMapper mapper;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(operationId = "createGeneration", summary = "Start a generation", description = "With `Accept:"
            + " application/json`: 202 at once, with the job's id and where to follow it. With `Accept:"
            + " text/event-stream`: 200 and the job's events in this response (for fetch and curl). A seeded request"
            + " (seed set) is de-duplicated: an identical one in flight is shared (`coalesced`), a finished one is"
            + " answered from the cache (`hit`). The generation's own failure (upstream errors, timeouts, nothing"
            + " generated) is never this call's status: it is the terminal `error` event, and the job's `error`.")
    @APIResponse(responseCode = "202", description = "The job runs; its status and result are at Location, its events"
            + " at `events`", headers = {
                    @Header(name = "Location", description = "The job: /v1/generations/{id}",
                            schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = "X-Cache", ref = "XCache"),
                    @Header(name = "X-Served-By", ref = "XServedBy")},
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = GenerationSchemas.Accepted.class)))
    @APIResponse(responseCode = "400", description = "Invalid request: malformed JSON, an unknown field, a wrong type,"
            + " or a value the model does not take; `errors` names every bad field",
            content = @Content(mediaType = ErrorSchemas.PROBLEM_JSON,
                    schema = @Schema(implementation = ErrorSchemas.Problem.class)))
    public Uni<Response> create(@RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = GenerationRequest.class), examples = {
                    @ExampleObject(name = "imagen", value = GenerationSchemas.IMAGEN_REQUEST),
                    @ExampleObject(name = "gemini", value = GenerationSchemas.GEMINI_REQUEST)})) @NotNull GenerationRequest body,
            @HeaderParam(CallOptions.FAULT_HEADER) String simulatorFault) {
        Job submitted = admission.submit(validation.canonical(body, CallOptions.fault(simulatorFault)));
        return submitted.whenAccepted().map(job -> {
            String cache = job.cache();
            Map<String, Object> entity = Map.of("id", job.id(), "events", location(job) + EVENTS,
                    "status", job.status().name().toLowerCase(), "cache", cache);
            Response.ResponseBuilder accepted = Response.accepted(entity).location(URI.create(location(job)))
                    .header("X-Cache", cache);
            if (job.info().servedBy() != null) {
                accepted.header("X-Served-By", job.info().servedBy());
            }
            return accepted.build();
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "createGeneration", summary = "Start a generation")
    @APIResponse(responseCode = "200", description = "With `Accept: text/event-stream`. " + STREAM, headers = {
            @Header(name = "X-Generation-Id", ref = "XGenerationId"),
            @Header(name = "X-Cache", ref = "XCache"),
            @Header(name = "X-Served-By", ref = "XServedBy")},
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = GenerationSchemas.Event.class)))
    public Multi<OutboundSseEvent> createAndStream(@NotNull GenerationRequest body,
            @HeaderParam(CallOptions.FAULT_HEADER) String simulatorFault,
            @Parameter(description = INLINE) @QueryParam("inline") boolean inline, @Context Sse sse,
            @Context HttpServerResponse response) {
        Job job = admission.submit(validation.canonical(body, CallOptions.fault(simulatorFault)));
        return sseResponse(job, 0, inline, sse, response);
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(operationId = "followGeneration", summary = "Follow a job's events",
            description = "For EventSource: a reconnect sends Last-Event-ID and gets only the later events. Leaving"
                    + " stops this view, never the job.")
    @APIResponse(responseCode = "200", description = STREAM + " With Redis (imagen.cache.backend=redis) a job this"
            + " instance does not know is looked up in the shared logs, and an unknown one is a 200 whose only event"
            + " is an `error` with a 404 problem.", headers = {
                    @Header(name = "X-Generation-Id", ref = "XGenerationId"),
                    @Header(name = "X-Cache", ref = "XCache"),
                    @Header(name = "X-Served-By", ref = "XServedBy"),
                    @Header(name = "Cache-Control", description = "`no-cache`", schema = @Schema(type = SchemaType.STRING))},
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = GenerationSchemas.Event.class)))
    @APIResponse(responseCode = "400", description = "Last-Event-ID (or lastEventId) is not a non-negative event id",
            content = @Content(mediaType = ErrorSchemas.PROBLEM_JSON,
                    schema = @Schema(implementation = ErrorSchemas.Problem.class)))
    @APIResponse(responseCode = "404", description = "No such job here: never created, or forgotten after"
            + " imagen.jobs.ttl (1 h)", content = @Content(mediaType = ErrorSchemas.PROBLEM_JSON,
                    schema = @Schema(implementation = ErrorSchemas.Problem.class)))
    public Multi<OutboundSseEvent> events(@Parameter(description = "The job's id") @PathParam("id") String id,
            @Parameter(in = ParameterIn.HEADER, description = "Resume after this event: only later events are sent")
            @HeaderParam("Last-Event-ID") String lastEventId,
            @Parameter(description = "Last-Event-ID, for clients that cannot set it (the header wins)")
            @QueryParam("lastEventId") String lastEventIdParam,
            @Parameter(description = INLINE) @QueryParam("inline") boolean inline, @Context Sse sse,
            @Context HttpServerResponse response) {
        long after = parseEventId(lastEventId != null ? lastEventId : lastEventIdParam);
        var local = jobs.get(id);
        if (local.isPresent() || !jobs.shared()) {
            return sseResponse(local.orElseThrow(() -> new NotFoundException("no generation " + id)), after, inline, sse,
                    response);
        }
        // another instance's job, adopted from Redis: the stream has begun, so "not found" is an error event
        return jobs.find(id).onItem().transformToMulti(found -> found.isPresent()
                ? streams.stream(found.get(), after, inline, sse)
                : Multi.createFrom().item(streams.problemEvent(sse,
                        Problem.of("not-found", 404, "no generation " + id, "/v1/generations/" + id))));
    }

    @GET
    @Path("{id}")
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(operationId = "getGeneration", summary = "A job's status and result",
            description = "For polling clients; read from the job's outcome. A failed job is a 200 with its `error`.")
    @APIResponse(responseCode = "200", description = "The job", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = GenerationSchemas.Job.class)))
    @APIResponse(responseCode = "404", description = "No such job: never created, or forgotten after"
            + " imagen.jobs.ttl (1 h)", content = @Content(mediaType = ErrorSchemas.PROBLEM_JSON,
                    schema = @Schema(implementation = ErrorSchemas.Problem.class)))
    public Uni<ObjectNode> status(@Parameter(description = "The job's id") @PathParam("id") String id) {
        return find(id).map(this::statusOf);
    }

    /** Read from the job's outcome, never from its events. */
    private ObjectNode statusOf(Job job) {
        job.touch();
        ObjectNode node = mapper.createObjectNode();
        node.put("id", job.id());
        node.put("status", job.status().name().toLowerCase());
        node.put("model", job.info().model());
        if (job.info().servedBy() != null) {
            node.put("servedBy", job.info().servedBy());
        }
        node.put("sampleCount", job.info().sampleCount());
        node.put("deterministic", job.deterministic());
        node.put("cache", cacheStatus(job));
        node.put("events", location(job) + EVENTS);
        node.put("createdAt", job.createdAt().toString());
        if (job.finishedAt() != null) {
            node.put("finishedAt", job.finishedAt().toString());
        }
        ArrayNode images = node.putArray("images");
        ArrayNode filtered = node.putArray("filtered");
        Outcome outcome = job.outcome();
        if (outcome != null && outcome.succeeded()) {
            GenerationResult result = outcome.result();
            for (GenerationResult.Image image : result.images()) {
                ObjectNode view = mapper.valueToTree(image);
                if (image.sha256() != null) {
                    view.put("url", "/v1/images/" + image.sha256());
                }
                images.add(view);
            }
            result.filtered().forEach(f -> filtered.add(mapper.valueToTree(f)));
            ObjectNode summary = node.putObject("result").put("images", result.images().size())
                    .put("filtered", Math.max(result.filtered().size(), job.info().sampleCount() - result.images().size()))
                    .put("cache", outcome.cache()).put("attempts", result.attempts()).put("upstreamMs", result.upstreamMs());
            if (result.usage() != null) {
                summary.set("usage", result.usage());
            }
        } else if (outcome != null) {
            node.set("error", mapper.valueToTree(outcome.problem()));
        }
        return node;
    }

    /** Headers go on the Vert.x response directly: for SSE, Quarkus REST ignores RestMulti's headers. */
    private Multi<OutboundSseEvent> sseResponse(Job job, long after, boolean inline, Sse sse, HttpServerResponse response) {
        if (job.cache() != null) {
            // known at once unless Redis is still being asked; the accepted event always says it
            response.putHeader("X-Cache", job.cache());
        }
        if (job.info().servedBy() != null) {
            response.putHeader("X-Served-By", job.info().servedBy());
        }
        response.putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .putHeader("X-Generation-Id", job.id());
        return streams.stream(job, after, inline, sse);
    }

    /** This instance's job, or (with Redis) one another instance runs. */
    private Uni<Job> find(String id) {
        return jobs.find(id).map(job -> job.orElseThrow(() -> new NotFoundException("no generation " + id)));
    }

    private static String cacheStatus(Job job) {
        return job.cache() == null ? "miss" : job.cache();
    }

    private static String location(Job job) {
        return "/v1/generations/" + job.id();
    }

    private static long parseEventId(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long id = Long.parseLong(value.trim());
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw new jakarta.ws.rs.BadRequestException("Last-Event-ID must be a non-negative event id");
        }
    }
}
