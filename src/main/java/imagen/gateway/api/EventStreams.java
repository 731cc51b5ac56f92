package imagen.gateway.api;

import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.cluster.JobEvent;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.config.GatewayConfig;
import imagen.gateway.generation.Job;
import imagen.gateway.request.Problem;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;

/**
 * SSE views of a job's event log ({@link Job#stream}) with a {@code : keep-alive} comment every
 * {@code imagen.sse.heartbeat}; the stream completes after the terminal event. With
 * {@code ?inline=true} image events carry their bytes, read through the shared image store, so a
 * stream resumed on another instance inlines them too. A view that goes away detaches; it never
 * stops the job.
 */
@ApplicationScoped
public class EventStreams {

    @Inject
    SharedImages images;

    @Inject
    GatewayConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    public Multi<OutboundSseEvent> stream(Job job, long afterId, boolean inline, Sse sse) {
        long heartbeat = Math.max(1, config.sse().heartbeat().toMillis());
        Multi<OutboundSseEvent> events = inline
                ? job.stream(afterId).onItem().transformToUniAndConcatenate(event -> inlined(event, sse))
                : job.stream(afterId).map(event -> toSse(event, event.json(), sse));
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            AtomicReference<Cancellable> subscription = new AtomicReference<>();
            long timer = vertx.setPeriodic(heartbeat, heartbeat,
                    id -> emitter.emit(sse.newEventBuilder().comment("keep-alive").build()));
            emitter.onTermination(() -> {
                vertx.cancelTimer(timer);
                Cancellable s = subscription.getAndSet(() -> {
                });
                if (s != null) {
                    s.cancel();
                }
            });
            Cancellable s = events.subscribe().with(emitter::emit, emitter::fail, emitter::complete);
            if (!subscription.compareAndSet(null, s)) {
                // the view ended while it was being attached
                s.cancel();
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

    private Uni<OutboundSseEvent> inlined(JobEvent event, Sse sse) {
        if (!JobEvent.IMAGE.equals(event.type()) || event.digest() == null) {
            return Uni.createFrom().item(toSse(event, event.json(), sse));
        }
        return images.get(event.digest()).map(stored -> stored.isEmpty() ? toSse(event, event.json(), sse)
                // base64 needs no escaping: the member is appended to the event's own JSON
                : toSse(event, event.json().substring(0, event.json().length() - 1) + ",\"data\":\""
                        + Base64.getEncoder().encodeToString(stored.get().bytes()) + "\"}", sse));
    }

    private static OutboundSseEvent toSse(JobEvent event, String data, Sse sse) {
        return sse.newEventBuilder()
                .id(Long.toString(event.id()))
                .name(event.type())
                .data(data)
                .build();
    }
}
