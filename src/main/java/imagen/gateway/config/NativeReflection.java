package imagen.gateway.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types Jackson reads or writes by reflection outside resource signatures (problems built into
 * responses and events, the simulator's lenient parsing, tree conversions): registered for the
 * native image, where reflection works only on what the build knows about.
 */
@RegisterForReflection(targets = {
        imagen.gateway.api.Problem.class,
        imagen.gateway.api.Problem.FieldError.class,
        imagen.gateway.generation.GenerationRequest.class,
        imagen.gateway.generation.GenerationRequest.OutputOptions.class,
        imagen.gateway.vertex.PredictRequest.class,
        imagen.gateway.vertex.PredictRequest.Instance.class,
        imagen.gateway.vertex.PredictResponse.class,
        imagen.gateway.vertex.PredictResponse.Prediction.class,
})
public final class NativeReflection {

    private NativeReflection() {
    }
}
