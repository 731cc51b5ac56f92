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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.dedup.Outcome;
import imagen.gateway.generation.GenerationService;
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
@Tag(name = "generations")
public class GenerationResource {

    private static final String EVENTS = "/events";

    @Inject
    GenerationService service;

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
    @Operation(summary = "Start a generation", description = "202 with the job's id and its events URL")
    public Uni<Response> create(@NotNull GenerationRequest body,
            @HeaderParam(CallOptions.FAULT_HEADER) String simulatorFault) {
        Job submitted = service.submit(validation.canonical(body, CallOptions.fault(simulatorFault)));
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
    @Operation(summary = "Start a generation and stream its events in the response")
    public Multi<OutboundSseEvent> createAndStream(@NotNull GenerationRequest body,
            @HeaderParam(CallOptions.FAULT_HEADER) String simulatorFault,
            @QueryParam("inline") boolean inline, @Context Sse sse, @Context HttpServerResponse response) {
        Job job = service.submit(validation.canonical(body, CallOptions.fault(simulatorFault)));
        return sseResponse(job, 0, inline, sse, response);
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow a job's events", description = "Honours Last-Event-ID; a finished job replays its whole log")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
            @QueryParam("lastEventId") String lastEventIdParam, @QueryParam("inline") boolean inline, @Context Sse sse,
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
    @Operation(summary = "A job's status and result")
    public Uni<ObjectNode> status(@PathParam("id") String id) {
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
