package imagen.gateway.generation;

import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.simulator.ImagePainter;

/**
 * The rules of a generation request that depend on configuration or on more than one field. Each
 * broken rule becomes one violation on the field it concerns, so the problem's {@code errors} list
 * names every bad field at once.
 */
@jakarta.inject.Singleton
public class GenerationRequestValidator implements ConstraintValidator<ValidGenerationRequest, GenerationRequest> {

    /** Looked up lazily: validators are created before run-time configuration exists. */
    @Inject
    Instance<GatewayConfig> configs;

    /** Resolved on first use and kept: each {@code Instance.get()} builds a new mapping instance. */
    private volatile GatewayConfig config;

    @Override
    public boolean isValid(GenerationRequest request, ConstraintValidatorContext context) {
        if (request == null) {
            return true;
        }
        GatewayConfig config = this.config;
        if (config == null) {
            config = configs.get();
            this.config = config;
        }
        context.disableDefaultConstraintViolation();
        boolean valid = true;
        String model = request.model() == null ? config.defaultModel() : request.model();
        if (!config.models().contains(model)) {
            valid = violation(context, "model", "unknown model '" + model + "'; allowed: " + String.join(", ", config.models()));
        }
        if (request.prompt() != null && request.prompt().length() > config.maxPromptLength()) {
            valid = violation(context, "prompt", "must be at most " + config.maxPromptLength() + " characters");
        }
        if (request.negativePrompt() != null && request.negativePrompt().length() > config.maxPromptLength()) {
            valid = violation(context, "negativePrompt", "must be at most " + config.maxPromptLength() + " characters");
        }
        if (request.sampleCount() != null && request.sampleCount() > config.maxSampleCount()
                && request.sampleCount() <= 4) {
            valid = violation(context, "sampleCount", "must be at most " + config.maxSampleCount());
        }
        if (request.seed() != null && !Boolean.FALSE.equals(request.addWatermark())) {
            valid = violation(context, "seed", "requires \"addWatermark\": false (watermarked images are never deterministic)");
        }
        if (request.sampleImageSize() != null && !config.imageSizeModels().contains(model)) {
            valid = violation(context, "sampleImageSize", "is not supported by model '" + model + "'; models that take it: "
                    + String.join(", ", config.imageSizeModels()));
        }
        String mimeType = request.outputOptions() == null ? null : request.outputOptions().mimeType();
        if (mimeType != null && "simulator".equals(config.effectiveUpstream()) && !ImagePainter.canEncode(mimeType)
                && ImagenDefaults.MIME_TYPES.contains(mimeType)) {
            valid = violation(context, "outputOptions.mimeType", "'" + mimeType
                    + "' cannot be produced by the embedded simulator; it encodes " + String.join(", ", ImagePainter.encodable()));
        }
        return valid;
    }

    private static boolean violation(ConstraintValidatorContext context, String field, String message) {
        var builder = context.buildConstraintViolationWithTemplate(escape(message));
        String[] path = field.split("\\.");
        var node = builder.addPropertyNode(path[0]);
        for (int i = 1; i < path.length; i++) {
            node = node.addPropertyNode(path[i]);
        }
        node.addConstraintViolation();
        return false;
    }

    /** Messages carry user input: keep Bean Validation from interpolating it. */
    private static String escape(String message) {
        return message.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("$", "\\$");
    }
}
