package imagen.gateway.upstream;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import imagen.gateway.request.CallOptions;
import io.quarkus.rest.client.reactive.ClientExceptionMapper;
import io.smallrye.mutiny.Uni;

/**
 * Vertex AI's Imagen {@code :predict}. Package-private: {@link VertexCalls} gives it a base URL per
 * location and credentials; {@link Guards} put the guards around it. Gemini's
 * {@code :streamGenerateContent} does not go through this client but through {@link VertexSse}: its
 * SSE support cannot take an image that arrives as one multi-megabyte event (see there).
 */
@RegisterRestClient(configKey = "vertex")
@Path("/v1/projects/{project}/locations/{location}/publishers/google/models")
interface VertexRestClient {

    /**
     * @param body a {@link PredictRequest} as JSON, written by the caller: the client's own Jackson
     *        writer looks up the method's annotations reflectively on every call
     */
    @POST
    @Path("{model}:predict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<PredictResponse> predict(@PathParam("project") String project, @PathParam("location") String location,
            @PathParam("model") String model, @HeaderParam(CallOptions.FAULT_HEADER) String simulatorFault, byte[] body);

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
