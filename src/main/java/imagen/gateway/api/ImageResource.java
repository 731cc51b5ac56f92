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

import imagen.gateway.dedup.ImageStore;

/** Generated images by content hash: immutable, so cacheable forever by browsers and CDNs. */
@Path("/v1/images")
@Tag(name = "images")
public class ImageResource {

    private static final CacheControl IMMUTABLE = CacheControl.valueOf("public, max-age=31536000, immutable");

    @Inject
    ImageStore images;

    @GET
    @Path("{digest}")
    @Produces("image/*")
    @Operation(summary = "Image bytes by SHA-256 digest", description = "404 once evicted from the image store")
    public Response image(@PathParam("digest") String digest, @Context Request request) {
        ImageStore.StoredImage image = images.get(digest.toLowerCase())
                .orElseThrow(() -> new NotFoundException("no image " + digest + " (never stored, or evicted)"));
        EntityTag etag = new EntityTag(image.digest());
        Response.ResponseBuilder notModified = request.evaluatePreconditions(etag);
        if (notModified != null) {
            return notModified.tag(etag).cacheControl(IMMUTABLE).build();
        }
        return Response.ok(image.bytes(), image.mimeType()).tag(etag).cacheControl(IMMUTABLE).build();
    }
}
