package imagen.gateway.api;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import imagen.gateway.request.ImagenDefaults;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Protocol;
import imagen.gateway.request.RequestRules;

/** The models a request may name and what each one takes, so a client offers only valid fields and values. */
@Path("/v1/models")
@Tag(name = "models", description = "The models a request may name")
public class ModelsResource {

    @Inject
    ModelCatalog catalog;

    /** One model as clients see it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "A model a request may name, and what it takes")
    public record Model(
            @Schema(required = true, examples = "gemini-3.1-flash-image") String id,
            @Schema(required = true, enumeration = {"imagen", "gemini"},
                    description = "Its request fields: Imagen's (also :predict) or Gemini's (also :generateContent)")
            String protocol,
            @Schema(description = "The Gemini model that serves this retired Imagen model") String servedBy,
            @Schema(description = "The thinking level it is served with, when it serves an Imagen model") String thinkingLevel,
            @Schema(required = true, description = "Whether it streams interim images (`preview` events)") boolean previews,
            @Schema(required = true, description = "The request fields it takes") List<String> fields,
            @Schema(required = true) List<String> aspectRatios,
            @Schema(description = "imageSize (Gemini) or sampleImageSize (Imagen) values") List<String> imageSizes,
            @Schema(description = "thinkingLevel values, when it takes one") List<String> thinkingLevels,
            @Schema(required = true) int maxSampleCount,
            @Schema(required = true, description = "outputOptions.mimeType values") List<String> mimeTypes) {
    }

    @Schema(description = "The models a request may name")
    public record Models(
            @Schema(required = true, description = "The model of a request that names none") String defaultModel,
            @Schema(required = true) List<Model> models) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(operationId = "listModels", summary = "The models a request may name, with the fields and values each takes")
    @APIResponse(responseCode = "200", description = "The models")
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
