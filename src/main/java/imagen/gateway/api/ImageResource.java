package imagen.gateway.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import imagen.gateway.api.openapi.ErrorSchemas;
import imagen.gateway.cluster.ImageStore;
import imagen.gateway.cluster.SharedImages;
import io.smallrye.mutiny.Uni;

/** Generated images by content hash: immutable, so cacheable forever by browsers and CDNs. */
@Path("/v1/images")
@Tag(name = "images", description = "Generated images by content hash")
public class ImageResource {

    private static final CacheControl IMMUTABLE = CacheControl.valueOf("public, max-age=31536000, immutable");

    @Inject
    SharedImages images;

    @GET
    @Path("{digest}")
    @Produces("image/*")
    @Operation(operationId = "getImage", summary = "Image bytes by SHA-256 digest", description = "The `url` of an"
            + " `image` or `preview` event. Immutable: cacheable forever by browsers and CDNs; 404 once evicted from"
            + " the image store.")
    @Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = "The ETag of a copy already held: 304"
            + " if it is this image", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "The bytes, in the type they were generated in",
            headers = {@Header(name = "ETag", description = "Strong: the digest, quoted", schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = "Cache-Control", description = "`public, max-age=31536000, immutable`",
                            schema = @Schema(type = SchemaType.STRING))},
            content = {@Content(mediaType = "image/png", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                    @Content(mediaType = "image/jpeg", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                    @Content(mediaType = "image/webp", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                    @Content(mediaType = "image/*", schema = @Schema(type = SchemaType.STRING, format = "binary"))})
    @APIResponse(responseCode = "304", description = "If-None-Match named this image", headers = {
            @Header(name = "ETag", description = "Strong: the digest, quoted", schema = @Schema(type = SchemaType.STRING)),
            @Header(name = "Cache-Control", description = "`public, max-age=31536000, immutable`",
                    schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "404", description = "No such image: never stored, evicted from the image store, or"
            + " not a SHA-256 digest", content = @Content(mediaType = ErrorSchemas.PROBLEM_JSON,
                    schema = @Schema(implementation = ErrorSchemas.Problem.class)))
    public Uni<Response> image(@Parameter(description = "SHA-256 of the bytes, 64 hex digits",
            schema = @Schema(type = SchemaType.STRING, pattern = "^[0-9a-fA-F]{64}$")) @PathParam("digest") String digest,
            @Context Request request) {
        if (!digest.matches("[0-9a-fA-F]{64}")) {
            throw new NotFoundException("no image " + digest);
        }
        return images.get(digest.toLowerCase()).map(found -> answer(digest, found.orElseThrow(
                () -> new NotFoundException("no image " + digest + " (never stored, or evicted)")), request));
    }

    private static Response answer(String digest, ImageStore.StoredImage image, Request request) {
        EntityTag etag = new EntityTag(image.digest());
        Response.ResponseBuilder notModified = request.evaluatePreconditions(etag);
        if (notModified != null) {
            return notModified.tag(etag).cacheControl(IMMUTABLE).build();
        }
        return Response.ok(image.bytes(), image.mimeType()).tag(etag).cacheControl(IMMUTABLE).build();
    }
}
