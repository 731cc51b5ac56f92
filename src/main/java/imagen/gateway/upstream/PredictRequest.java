package imagen.gateway.upstream;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Vertex AI {@code :predict} body for Imagen: one instance with the prompt, and the parameters. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictRequest(List<Instance> instances, ObjectNode parameters) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Instance(String prompt, String negativePrompt) {
    }
}
