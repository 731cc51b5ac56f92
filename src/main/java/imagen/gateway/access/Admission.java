package imagen.gateway.access;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import imagen.gateway.dedup.Outcome;
import imagen.gateway.generation.GenerationService;
import imagen.gateway.generation.Job;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.Problem;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Starts a generation for the client the access filter admitted: the model must be one its token
 * allows, the images it asks for come out of the reservation, and when the job ends only the images
 * an upstream call generated for it stay spent.
 */
@ApplicationScoped
public class Admission {

    /** Where the access filter leaves the client and its ticket on the request. */
    public static final String CLIENT = "imagen.client";
    public static final String TICKET = "imagen.ticket";

    @Inject
    GenerationService service;

    @Inject
    CurrentVertxRequest current;

    public Job submit(CanonicalRequest request) {
        RoutingContext routing = current.getCurrent();
        if (routing == null) {
            return service.submit(request);
        }
        String instance = routing.request().path();
        Client client = routing.get(CLIENT);
        if (client != null && !client.mayUse(request.modelId())) {
            throw new AccessDenied(Problem.of("forbidden", 403, "this token may not use model " + request.modelId()
                    + "; it allows " + String.join(", ", client.models().stream().sorted().toList()), instance), Map.of());
        }
        Ticket ticket = routing.get(TICKET);
        if (ticket == null) {
            return service.submit(request);
        }
        ticket.claim(request.sampleCount(), instance);
        ticket.headers().forEach(routing.response()::putHeader);
        Job job = service.submit(request);
        if (ticket.counted()) {
            job.onOutcome(outcome -> ticket.settle(generated(outcome)));
        }
        return job;
    }

    /** Images an upstream call made for this job: none for a hit, a coalesced request or a failure. */
    static int generated(Outcome outcome) {
        if (outcome == null || !outcome.succeeded() || !"miss".equals(outcome.cache())) {
            return 0;
        }
        return outcome.result().images().size();
    }
}
