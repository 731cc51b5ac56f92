package imagen.gateway.simulator;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.CallOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The embedded fake Vertex AI Gemini image models: {@code :generateContent} and
 * {@code :streamGenerateContent} (SSE with {@code ?alt=sse}, else a streamed JSON array, as Vertex
 * does), under {@code v1} or {@code v1beta1}, at any location including {@code global}. Same body,
 * answers and error envelope as Vertex; see {@link GeminiAsk} for what is refused with a 400.
 *
 * <p>An answer is a text part, a pro model's ({@code *-pro-image*}) thought text and interim picture
 * (both {@code "thought": true}), then the picture, sized by {@link ImagePainter#dimensions} and
 * encoded as {@code imageOutputOptions.mimeType} says (PNG by default). With
 * {@code generationConfig.seed}, the same model, prompt, input images, seed and {@code imageConfig}
 * give byte-identical pictures; without, each call draws anew. A stream sends its chunks over
 * {@code imagen.simulator.latency}; {@code :generateContent} answers whole after it.
 *
 * <p>Outcomes chosen by the prompt (case-insensitive):
 * <ul>
 * <li>containing {@code imagen.simulator.blocked-word} ({@code forbidden} by default): no candidates,
 * {@code promptFeedback.blockReason} {@code PROHIBITED_CONTENT} with a {@code blockReasonMessage};</li>
 * <li>containing {@value #UNSAFE_IMAGE}: the text, no picture, {@code finishReason}
 * {@code IMAGE_SAFETY} and a {@code finishMessage};</li>
 * <li>containing {@value #NO_IMAGE}: a description instead ("I can only describe it: ..."),
 * {@code finishReason} {@code NO_IMAGE};</li>
 * <li>{@code responseModalities} without {@code IMAGE}: the description, {@code finishReason STOP}.</li>
 * </ul>
 *
 * <p>Faults: the header {@value CallOptions#FAULT_HEADER} and {@code imagen.simulator.fault-rate},
 * as for {@code :predict} ({@link SimulatorFaults}). On a stream, {@code stream-429} and
 * {@code stream-500} (optionally {@code :<seconds>s}) answer 200, send the first text chunk, then an
 * error chunk {@code {"error":{...}}} in Vertex's envelope (a 429 with its {@code RetryInfo}) and end, as
 * Vertex does when a quota runs out mid-stream; {@code stream-reset} closes the connection there
 * instead, and {@code malformed} sends a chunk cut short. Every call counts on
 * {@code imagen.simulator.requests}.
 */
@Path("/simulator")
@Tag(name = "simulator", description = SimulatorResource.TAG)
public class GeminiSimulatorResource {

    /** A prompt containing this gets its picture filtered out ({@code IMAGE_SAFETY}). */
    public static final String UNSAFE_IMAGE = "unsafe-image";
    /** A prompt containing this gets a description instead of a picture ({@code NO_IMAGE}). */
    public static final String NO_IMAGE = "no-image";

    private static final Logger LOG = Logger.getLogger(GeminiSimulatorResource.class);
    private static final String MODEL = "{version: v1|v1beta1}/projects/{project}/locations/{location}/publishers/google/models/{model}";
    private static final String QUOTA = "Resource exhausted. Please try again later.";
    private static final SimulatorFaults.Dialect DIALECT = new SimulatorFaults.Dialect(QUOTA,
            GeminiAnswer.cutShort("image/png"));
    /** A mid-stream fault strikes after the first chunk, this share of the latency into the stream. */
    private static final double FAULT_AT = 0.2;

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    SimulatorFaults faults;

    private final Counter requests;

    GeminiSimulatorResource(MeterRegistry metrics) {
        this.requests = metrics.counter("imagen.simulator.requests");
    }

    @POST
    @Path(MODEL + ":generateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Fake Gemini :generateContent (Vertex AI shape)")
    public Uni<Response> generateContent(@PathParam("location") String location, @PathParam("model") String model,
            @HeaderParam(CallOptions.FAULT_HEADER) String fault, @Context HttpServerRequest httpRequest, byte[] body) {
        requests.increment();
        SimulatorFaults.Plan plan;
        GeminiAsk ask;
        try {
            plan = faults.plan(fault, location);
            if (!plan.healthy()) {
                LOG.debugf("simulator fault %s for %s in %s", plan.fault(), model, location);
                return later(plan.delay(), faults.answer(plan.fault(), httpRequest, DIALECT));
            }
            ask = GeminiAsk.parse(model, read(body));
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().item(invalid(invalid));
        }
        GeminiAnswer answer = new GeminiAnswer(mapper, ask, config.simulator().blockedWord());
        Duration latency = config.simulator().latency();
        Duration wait = answer.outcome() == GeminiAnswer.Outcome.BLOCKED ? share(latency, 0.2) : latency;
        return pause(wait.plus(plan.delay()))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(ignored -> Response.ok(answer.whole()).type(MediaType.APPLICATION_JSON).build());
    }

    @POST
    @Path(MODEL + ":streamGenerateContent")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Fake Gemini :streamGenerateContent (Vertex AI shape; SSE with alt=sse, else a JSON array)")
    public Uni<Response> streamGenerateContent(@PathParam("location") String location, @PathParam("model") String model,
            @QueryParam("alt") String alt, @HeaderParam(CallOptions.FAULT_HEADER) String fault,
            @Context HttpServerRequest httpRequest, @Context HttpServerResponse httpResponse, byte[] body) {
        requests.increment();
        SimulatorFaults.Plan plan;
        GeminiAsk ask;
        try {
            plan = faults.plan(fault, location);
            if (plan.midStream() && !plan.knownMidStream()) {
                throw new IllegalArgumentException("unknown simulator fault '" + plan.fault() + "'");
            }
            if (!plan.healthy() && !plan.midStream() && !"malformed".equals(plan.fault())) {
                LOG.debugf("simulator fault %s for %s in %s", plan.fault(), model, location);
                return later(plan.delay(), faults.answer(plan.fault(), httpRequest, DIALECT));
            }
            ask = GeminiAsk.parse(model, read(body));
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().item(invalid(invalid));
        }
        GeminiAnswer answer = new GeminiAnswer(mapper, ask, config.simulator().blockedWord());
        List<GeminiAnswer.Chunk> chunks = answer.chunks();
        Tail tail = Tail.NONE;
        if (plan.midStream() || !plan.healthy()) {
            chunks = chunks.subList(0, 1);
            tail = "malformed".equals(plan.fault()) ? Tail.CUT_SHORT
                    : plan.fault().equals(SimulatorFaults.STREAM_PREFIX + "reset") ? Tail.RESET : Tail.ERROR;
            LOG.debugf("simulator fault %s for %s in %s", plan.fault(), model, location);
        }
        Stream stream = new Stream(chunks, tail, plan.fault(), ask.mimeType(), !"sse".equalsIgnoreCase(alt), httpRequest,
                httpResponse);
        return later(plan.delay(), stream.play())
                .onItem().transform(ignored -> (Response) null)
                .onFailure(failure -> httpResponse.headWritten()).recoverWithItem(failure -> {
                    // too late for an error answer: cut the stream, as a failing server would
                    LOG.errorf(failure, "simulated stream for %s failed", model);
                    httpRequest.connection().close();
                    return null;
                });
    }

    /** How a stream ends after its chunks. */
    private enum Tail {
        /** Normally. */
        NONE,
        /** With an error chunk. */
        ERROR,
        /** With the connection closed. */
        RESET,
        /** With a chunk cut short. */
        CUT_SHORT
    }

    /**
     * One stream, written on the Vert.x response: {@code data: <json>\r\n\r\n} per chunk (SSE), or the
     * elements of a JSON array. Chunks are built on the worker pool and written on the request's
     * event loop, in order; a client that goes away ends it.
     */
    private final class Stream {

        private final List<GeminiAnswer.Chunk> chunks;
        private final Tail tail;
        private final String fault;
        private final String mimeType;
        private final boolean array;
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        private final Executor onLoop;
        private final Duration latency = config.simulator().latency();
        private long start;
        private int written;

        Stream(List<GeminiAnswer.Chunk> chunks, Tail tail, String fault, String mimeType, boolean array,
                HttpServerRequest request, HttpServerResponse response) {
            this.chunks = chunks;
            this.tail = tail;
            this.fault = fault;
            this.mimeType = mimeType;
            this.array = array;
            this.request = request;
            this.response = response;
            io.vertx.core.Context context = Vertx.currentContext();
            this.onLoop = context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
        }

        Uni<Void> play() {
            return Uni.createFrom().voidItem().invoke(() -> start = System.nanoTime()).chain(() -> next(0));
        }

        private Uni<Void> next(int index) {
            if (gone()) {
                return Uni.createFrom().voidItem();
            }
            if (index == chunks.size()) {
                return at(tail == Tail.NONE ? 0 : FAULT_AT).emitOn(onLoop).invoke(this::finish);
            }
            GeminiAnswer.Chunk chunk = chunks.get(index);
            return at(chunk.at())
                    .emitOn(Infrastructure.getDefaultWorkerPool())
                    .map(ignored -> gone() ? null : json(chunk.body().get())) // nothing to paint for a client gone
                    .emitOn(onLoop)
                    .invoke(this::write)
                    .chain(() -> next(index + 1));
        }

        /** Waits until {@code share} of the latency has passed since the stream began. */
        private Uni<Void> at(double share) {
            return pause(Duration.ofNanos(start + share(latency, share).toNanos() - System.nanoTime()));
        }

        private boolean gone() {
            return response.closed() || response.ended();
        }

        private void write(String json) {
            if (json == null || gone()) {
                return;
            }
            if (!response.headWritten()) {
                response.setStatusCode(200).setChunked(true)
                        .putHeader("Content-Type", array ? "application/json; charset=UTF-8" : "text/event-stream");
            }
            response.write(array ? (written == 0 ? "[" : ",\r\n") + json : "data: " + json + "\r\n\r\n");
            written++;
        }

        private void finish() {
            if (gone()) {
                return;
            }
            switch (tail) {
                case NONE -> response.end(array ? (written == 0 ? "[]" : "]") : "");
                case ERROR -> {
                    write(json(faults.errorBody(fault.substring(SimulatorFaults.STREAM_PREFIX.length()), DIALECT)));
                    response.end(array ? "]" : "");
                }
                // closing the connection, not resetting the response: a reset HTTP/1.1 response is never
                // counted as finished, and Quarkus then waits for it at shutdown
                case RESET -> request.connection().close();
                case CUT_SHORT -> {
                    String cut = GeminiAnswer.cutShort(mimeType);
                    response.end(array ? ",\r\n" + cut : "data: " + cut + "\r\n\r\n");
                }
            }
        }
    }

    private JsonNode read(byte[] body) {
        if (body == null || body.length == 0) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode tree = mapper.readTree(body);
            if (tree == null || !tree.isObject()) {
                throw new IllegalArgumentException("Invalid JSON payload received. Expected an object.");
            }
            return tree;
        } catch (IOException e) {
            throw new IllegalArgumentException("Invalid JSON payload received. "
                    + (e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()));
        }
    }

    private Response invalid(IllegalArgumentException invalid) {
        return faults.error(400, "INVALID_ARGUMENT", invalid.getMessage(), null);
    }

    private String json(ObjectNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> Uni<T> later(Duration delay, Uni<T> then) {
        return pause(delay).chain(() -> then);
    }

    /** Waits that long, in whole milliseconds: the timers behind {@code delayIt} refuse less than one. */
    private static Uni<Void> pause(Duration duration) {
        Uni<Void> now = Uni.createFrom().voidItem();
        return duration.toMillis() < 1 ? now : now.onItem().delayIt().by(Duration.ofMillis(duration.toMillis()));
    }

    private static Duration share(Duration latency, double share) {
        return Duration.ofNanos((long) (latency.toNanos() * share));
    }
}
