package imagen.gateway.vertex;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.smallrye.mutiny.Uni;

/**
 * Vertex AI's Imagen {@code :predict}. Package-private: {@link VertexClient} decorates it with the
 * base URL per location, credentials and the guards.
 */
@RegisterRestClient(configKey = "vertex")
@Path("/v1/projects/{project}/locations/{location}/publishers/google/models")
interface VertexRestClient {

    /** Header the embedded simulator reads to force a fault; never sent to Vertex. */
    String FAULT_HEADER = "X-Simulator-Fault";

    /**
     * @param body a {@link PredictRequest} as JSON, written by the caller: the client's own Jackson
     *        writer looks up the method's annotations reflectively on every call
     */
    @POST
    @Path("{model}:predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<PredictResponse> predict(@PathParam("project") String project, @PathParam("location") String location,
            @PathParam("model") String model, @HeaderParam(FAULT_HEADER) String simulatorFault, byte[] body);

    /** Every non-2xx answer becomes an {@link UpstreamException} in Vertex's terms. */
    @ClientExceptionMapper
    static RuntimeException toException(Response response) {
        String body;
        try {
            body = response.hasEntity() ? response.readEntity(String.class) : null;
        } catch (RuntimeException unreadable) {
            body = null;
        }
        return VertexErrors.fromResponse(response.getStatus(), body, response.getHeaderString("Retry-After"));
    }
}
