package imagen.gateway.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import imagen.gateway.request.ImagenDefaults;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Protocol;

/** The model catalog the request rules check against, built once from {@code imagen.*}. */
public class Catalogs {

    static final List<String> GEMINI_ASPECT_RATIOS = List.of("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16",
            "16:9", "21:9");

    @Produces
    @Singleton
    ModelCatalog catalog(GatewayConfig config) {
        return of(config);
    }

    public static ModelCatalog of(GatewayConfig config) {
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        for (String id : config.models()) {
            models.put(id, spec(id, Optional.ofNullable(config.model().get(id)), config));
        }
        Set<String> encodable = "simulator".equals(config.effectiveUpstream())
                ? Set.copyOf(config.simulator().mimeTypes()) : Set.of();
        return new ModelCatalog(config.defaultModel(), models, config.maxSampleCount(), config.maxPromptLength(), encodable);
    }

    private static ModelSpec spec(String id, Optional<GatewayConfig.Model> settings, GatewayConfig config) {
        Protocol protocol = settings.flatMap(GatewayConfig.Model::protocol)
                .map(p -> Protocol.valueOf(p.toUpperCase(Locale.ROOT)))
                .orElse(id.startsWith("imagen-") ? Protocol.IMAGEN : Protocol.GEMINI);
        Optional<String> servedBy = settings.flatMap(GatewayConfig.Model::servedBy).filter(m -> !"none".equals(m));
        if (protocol == Protocol.IMAGEN) {
            List<String> sizes = settings.flatMap(GatewayConfig.Model::imageSizes)
                    .orElse(config.imageSizeModels().contains(id) ? List.of("1K", "2K") : List.of());
            return new ModelSpec(id, protocol, servedBy, settings.flatMap(GatewayConfig.Model::thinkingLevel),
                    settings.flatMap(GatewayConfig.Model::aspectRatios).orElse(ImagenDefaults.ASPECT_RATIOS), sizes,
                    List.of(), servedBy.map(gemini -> previews(gemini, config)).orElse(false),
                    servedBy.map(gemini -> locations(gemini, config)).orElse(locations(id, config)));
        }
        return new ModelSpec(id, protocol, Optional.empty(), settings.flatMap(GatewayConfig.Model::thinkingLevel),
                settings.flatMap(GatewayConfig.Model::aspectRatios).orElse(GEMINI_ASPECT_RATIOS),
                settings.flatMap(GatewayConfig.Model::imageSizes).orElse(List.of("1K", "2K")),
                settings.flatMap(GatewayConfig.Model::thinkingLevels).orElse(List.of()),
                previews(id, config), locations(id, config));
    }

    private static boolean previews(String id, GatewayConfig config) {
        return Optional.ofNullable(config.model().get(id)).flatMap(GatewayConfig.Model::previews).orElse(false);
    }

    /** Where a model is served, when configuration says so; else the gateway's own list. */
    private static List<String> locations(String id, GatewayConfig config) {
        return Optional.ofNullable(config.model().get(id)).flatMap(GatewayConfig.Model::locations).orElse(List.of());
    }
}
