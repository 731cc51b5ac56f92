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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import imagen.gateway.cluster.ImageStore;
import imagen.gateway.cluster.SharedImages;
import io.smallrye.mutiny.Uni;

/** Generated images by content hash: immutable, so cacheable forever by browsers and CDNs. */
@Path("/v1/images")
@Tag(name = "images")
public class ImageResource {

    private static final CacheControl IMMUTABLE = CacheControl.valueOf("public, max-age=31536000, immutable");

    @Inject
    SharedImages images;

    @GET
    @Path("{digest}")
    @Produces("image/*")
    @Operation(summary = "Image bytes by SHA-256 digest", description = "404 once evicted from the image store")
    public Uni<Response> image(@PathParam("digest") String digest, @Context Request request) {
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
