package imagen.gateway.api;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import imagen.gateway.request.ImagenDefaults;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Protocol;
import imagen.gateway.request.RequestRules;

/** The models a request may name and what each one takes, so a client offers only valid fields and values. */
@Path("/v1/models")
@Tag(name = "models")
public class ModelsResource {

    @Inject
    ModelCatalog catalog;

    /** One model as clients see it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(String id, String protocol, String servedBy, String thinkingLevel, boolean previews,
            List<String> fields, List<String> aspectRatios, List<String> imageSizes, List<String> thinkingLevels,
            int maxSampleCount, List<String> mimeTypes) {
    }

    public record Models(String defaultModel, List<Model> models) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The models a request may name, with the fields and values each takes")
    public Models models() {
        List<Model> models = new ArrayList<>();
        for (ModelSpec spec : catalog.models().values()) {
            List<String> mimeTypes = new ArrayList<>(spec.wire() == Protocol.GEMINI ? RequestRules.GEMINI_MIME_TYPES
                    : ImagenDefaults.MIME_TYPES.stream().sorted().toList());
            if (!catalog.encodableMimeTypes().isEmpty()) {
                mimeTypes.retainAll(catalog.encodableMimeTypes());
            }
            models.add(new Model(spec.id(), spec.protocol().name().toLowerCase(java.util.Locale.ROOT),
                    spec.servedBy().orElse(null), spec.thinkingLevel().orElse(null), spec.previews(), spec.fields(),
                    spec.aspectRatios(), spec.imageSizes(), spec.thinkingLevels(), catalog.maxSampleCount(), mimeTypes));
        }
        return new Models(catalog.defaultModel(), models);
    }
}
