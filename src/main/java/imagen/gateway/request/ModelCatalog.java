package imagen.gateway.request;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The models a request may name and the limits that come from configuration: what the
 * {@link RequestRules} check against. Plain data, built once from configuration.
 *
 * @param encodableMimeTypes output types the upstream can produce (the simulator's list); empty = all
 */
public record ModelCatalog(String defaultModel, Map<String, ModelSpec> models, int maxSampleCount, int maxPromptLength,
        Set<String> encodableMimeTypes) {

    public ModelCatalog {
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
        encodableMimeTypes = Set.copyOf(encodableMimeTypes);
    }

    public Optional<ModelSpec> model(String id) {
        return Optional.ofNullable(id == null ? models.get(defaultModel) : models.get(id));
    }

    public List<String> ids() {
        return List.copyOf(models.keySet());
    }
}
