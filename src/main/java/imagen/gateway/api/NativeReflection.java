package imagen.gateway.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types Jackson reads or writes by reflection outside resource signatures (problems and events,
 * results and outcomes shared through Redis, the simulator's lenient parsing, tree conversions):
 * registered for the native image, where reflection works only on what the build knows about.
 */
@RegisterForReflection(targets = {
        imagen.gateway.request.Problem.class,
        imagen.gateway.request.Problem.FieldError.class,
        imagen.gateway.request.GenerationRequest.class,
        imagen.gateway.request.GenerationRequest.OutputOptions.class,
        imagen.gateway.request.GenerationRequest.ReferenceImage.class,
        imagen.gateway.cluster.JobEvent.class,
        imagen.gateway.dedup.Outcome.class,
        imagen.gateway.generation.JobInfo.class,
        imagen.gateway.upstream.GenerationResult.class,
        imagen.gateway.upstream.GenerationResult.Output.class,
        imagen.gateway.upstream.GenerationResult.Image.class,
        imagen.gateway.upstream.GenerationResult.Filtered.class,
        imagen.gateway.upstream.GenerationResult.Text.class,
        imagen.gateway.upstream.GenerateContentRequest.class,
        imagen.gateway.upstream.GenerateContentRequest.GenerationConfig.class,
        imagen.gateway.upstream.GenerateContentRequest.ImageConfig.class,
        imagen.gateway.upstream.GenerateContentRequest.ImageOutputOptions.class,
        imagen.gateway.upstream.GenerateContentRequest.ThinkingConfig.class,
        imagen.gateway.upstream.GenerateContentRequest.SafetySetting.class,
        imagen.gateway.upstream.GenerateContentResponse.class,
        imagen.gateway.upstream.GenerateContentResponse.Candidate.class,
        imagen.gateway.upstream.GenerateContentResponse.PromptFeedback.class,
        imagen.gateway.upstream.Content.class,
        imagen.gateway.upstream.Content.Part.class,
        imagen.gateway.upstream.Content.Blob.class,
        imagen.gateway.api.ModelsResource.Model.class,
        imagen.gateway.api.ModelsResource.Models.class,
        imagen.gateway.upstream.PredictRequest.class,
        imagen.gateway.upstream.PredictRequest.Instance.class,
        imagen.gateway.upstream.PredictResponse.class,
        imagen.gateway.upstream.PredictResponse.Prediction.class,
})
public final class NativeReflection {

    private NativeReflection() {
    }
}
