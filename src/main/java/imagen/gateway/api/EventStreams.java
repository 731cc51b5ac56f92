package imagen.gateway.api;

import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.dedup.ImageStore;
import imagen.gateway.generation.GenerationService;
import imagen.gateway.generation.Job;
import imagen.gateway.generation.JobEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.vertx.core.Vertx;

/**
 * SSE views of a job's event log: replay after {@code Last-Event-ID}, then live events, with a
 * {@code : keep-alive} comment every {@code imagen.sse.heartbeat}; the stream completes after the
 * terminal event. A view that goes away detaches; it never stops the job itself.
 */
@ApplicationScoped
public class EventStreams {

    @Inject
    GenerationService service;

    @Inject
    ImageStore images;

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    public Multi<OutboundSseEvent> stream(Job job, long afterId, boolean inline, Sse sse) {
        long heartbeat = Math.max(1, config.sse().heartbeat().toMillis());
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            AtomicBoolean over = new AtomicBoolean();
            AtomicReference<Job.View> view = new AtomicReference<>();
            long timer = vertx.setPeriodic(heartbeat, heartbeat,
                    id -> emitter.emit(sse.newEventBuilder().comment("keep-alive").build()));
            emitter.onTermination(() -> {
                over.set(true);
                vertx.cancelTimer(timer);
                Job.View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            });
            view.set(service.follow(job, afterId, event -> {
                emitter.emit(toSse(event, inline, sse));
                if (event.terminal()) {
                    emitter.complete();
                }
            }));
            if (over.get()) {
                Job.View v = view.getAndSet(null);
                if (v != null) {
                    v.close();
                }
            }
        }, BackPressureStrategy.BUFFER);
    }

    /** A lone terminal {@code error} event, for a stream that has begun before the failure was known. */
    public OutboundSseEvent problemEvent(Sse sse, Problem problem) {
        try {
            return sse.newEventBuilder().id("1").name(JobEvent.ERROR).data(mapper.writeValueAsString(problem)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private OutboundSseEvent toSse(JobEvent event, boolean inline, Sse sse) {
        String data = event.json();
        if (inline && JobEvent.IMAGE.equals(event.type()) && event.data().hasNonNull("sha256")) {
            var stored = images.get(event.data().get("sha256").asText());
            if (stored.isPresent()) {
                ObjectNode copy = event.data().deepCopy();
                copy.put("data", Base64.getEncoder().encodeToString(stored.get().bytes()));
                try {
                    data = mapper.writeValueAsString(copy);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return sse.newEventBuilder()
                .id(Long.toString(event.id()))
                .name(event.type())
                .data(data)
                .build();
    }
}
