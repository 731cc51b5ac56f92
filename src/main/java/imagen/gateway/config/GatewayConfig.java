package imagen.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every {@code imagen.*} key of the gateway. The names are public surface (DESIGN §7); each one is
 * documented in the README's config table. All of them are read at run time.
 */
@ConfigMapping(prefix = "imagen")
public interface GatewayConfig {

    /** {@code vertex} or {@code simulator}; unset means simulator unless a Vertex project is configured. */
    Optional<String> upstream();

    Vertex vertex();

    /** Model used when a request names none. */
    @WithDefault("gemini-3.1-flash-image")
    String defaultModel();

    /**
     * Models a request may name; anything else is a 400 that lists these. The Gemini image models
     * are the engine; the retired Imagen 4 models stay as a surface, each served by its replacement.
     */
    @WithDefault("gemini-3.1-flash-image,gemini-3-pro-image,imagen-4.0-generate-001,imagen-4.0-ultra-generate-001,"
            + "imagen-4.0-fast-generate-001")
    List<String> models();

    /**
     * Per model, what configuration says of it beyond the defaults: {@code imagen.model."<id>".*}.
     * Google retires image models within months, so each model's limits and replacement are here.
     */
    Map<String, Model> model();

    /** Models that accept {@code sampleImageSize} (1K/2K); others reject the field. */
    @WithDefault("imagen-4.0-generate-001,imagen-4.0-ultra-generate-001")
    List<String> imageSizeModels();

    /** Upper bound of {@code sampleCount} (Vertex: 1–4). */
    @WithDefault("4")
    int maxSampleCount();

    /** Upper bound of prompt and negative prompt length, in characters. */
    @WithDefault("4000")
    int maxPromptLength();

    /** Client API keys; unset (and no {@code imagen.tokens.issuer}) means no client authentication. */
    Optional<List<String>> apiKeys();

    Cors cors();

    Tokens tokens();

    Quota quota();

    Cache cache();

    Resilience resilience();

    Sse sse();

    Jobs jobs();

    Simulator simulator();

    /** The upstream in force: explicit {@code imagen.upstream}, else vertex when a project is set. */
    default String effectiveUpstream() {
        return upstream().orElse(vertex().projectId().isPresent() ? "vertex" : "simulator");
    }

    interface Model {
        /** {@code imagen} or {@code gemini}; by default from the id ({@code imagen-*} is Imagen). */
        Optional<String> protocol();

        /** For an Imagen model: the Gemini model that serves it ({@code none} to call Imagen itself). */
        Optional<String> servedBy();

        /** The thinking level the replacement is called with when the caller names none. */
        Optional<String> thinkingLevel();

        Optional<List<String>> aspectRatios();

        /** Gemini: {@code imageSize} values; Imagen: {@code sampleImageSize} values. */
        Optional<List<String>> imageSizes();

        Optional<List<String>> thinkingLevels();

        /** Whether the model streams interim images (thought parts). */
        Optional<Boolean> previews();

        /** Where the model is served, in failover order (e.g. {@code global}); unset = {@code imagen.vertex.locations}. */
        Optional<List<String>> locations();
    }

    interface Vertex {
        /** Google Cloud project; see {@link #projectId()}. */
        Optional<String> project();

        /** {@code imagen.vertex.project}, else the environment's {@code GOOGLE_CLOUD_PROJECT} (Cloud Run, gcloud). */
        default Optional<String> projectId() {
            return project().filter(p -> !p.isBlank())
                    .or(() -> Optional.ofNullable(System.getenv("GOOGLE_CLOUD_PROJECT")).filter(p -> !p.isBlank()));
        }

        /** Where {@link #projectId()} came from: {@code imagen.vertex.project}, {@code GOOGLE_CLOUD_PROJECT}, or empty. */
        default Optional<String> projectSource() {
            return project().filter(p -> !p.isBlank()).map(p -> "imagen.vertex.project")
                    .or(() -> projectId().map(p -> "GOOGLE_CLOUD_PROJECT"));
        }

        /** Locations in failover order. */
        @WithDefault("us-central1")
        List<String> locations();

        /**
         * Stream events over 1 MiB (images, previews) arriving at once over all streams; the others
         * wait, paused. 0 = one per 128 MiB of the maximum heap.
         */
        @WithDefault("0")
        int maxLargeEvents();

        /** Endpoint base; may contain {@code {location}}. Default: Google's regional endpoints. */
        Optional<String> url();

        /** {@code adc} (Application Default Credentials) or {@code none} (fakes, tests). */
        @WithDefault("adc")
        String auth();

        /** Refresh the access token this long before it expires. */
        @WithDefault("5m")
        Duration tokenRefreshMargin();

        /**
         * A credentials JSON file (service account key, {@code gcloud auth application-default login}'s
         * file) read instead of Application Default Credentials; unset = ADC.
         */
        Optional<String> credentialsFile();

        /**
         * After the credentials could not be loaded or no token obtained, requests fail at once with
         * that cause for this long; the next request or readiness probe after it tries again.
         */
        @WithDefault("5s")
        Duration credentialsRetry();
    }

    /** Browsers on other origins: Quarkus's CORS filter, configured from these in application.properties. */
    interface Cors {
        /** Turns the CORS filter on: then only {@code origins} (and the gateway's own) may call from a browser. */
        @WithDefault("false")
        boolean enabled();

        /** Origins allowed to call the gateway from a browser, e.g. {@code https://app.example.com}; unset: none. */
        Optional<List<String>> origins();
    }

    /** Browser tokens: short-lived JWTs a product's server signs, presented instead of an API key. */
    interface Tokens {
        /** The {@code iss} every token must carry; set, it turns token verification on. */
        Optional<String> issuer();

        /** The {@code aud} every token must carry. */
        @WithDefault("imagen-gateway")
        String audience();

        /** Where the verification key is: a PEM, JWK or JWK set, as {@code file:} or {@code classpath:}. */
        Optional<String> verifyKey();

        /** The longest {@code exp - iat} a token may have: browser tokens are short-lived. */
        @WithDefault("1h")
        Duration maxLifetime();
    }

    /**
     * Budgets per client (an API key, a token's subject, or everyone when no client authentication
     * is configured). Unset limits are unlimited; a token's {@code imagen_quota} claim and
     * {@code imagen.quota.client."<id>".*} set a client's own.
     */
    interface Quota {
        /** Generation requests per client per minute (a fixed window). */
        Optional<Long> requestsPerMinute();

        /** Images per client per day (UTC), counted only for images an upstream call generated. */
        Optional<Long> imagesPerDay();

        /** Per client id ({@code key-<hash>}, {@code sub-<hash>}, as the metrics name them): its own limits. */
        Map<String, Limits> client();

        interface Limits {
            Optional<Long> requestsPerMinute();

            Optional<Long> imagesPerDay();
        }
    }

    interface Cache {
        /** {@code memory} or {@code redis}. */
        @WithDefault("memory")
        String backend();

        /** How long results and images stay cached. */
        @WithDefault("24h")
        Duration ttl();

        /** Byte bound of stored images (decoded bytes); unset = a quarter of the maximum heap, at most 512 MiB. */
        Optional<MemorySize> maxBytes();
    }

    interface Resilience {
        @WithDefault("3")
        int maxRetries();

        @WithDefault("500ms")
        Duration initialBackoff();

        @WithDefault("8s")
        Duration maxBackoff();

        /** Cap on a wait the server asks for (RetryInfo, Retry-After). */
        @WithDefault("30s")
        Duration maxServerWait();

        @WithDefault("60s")
        Duration attemptTimeout();

        Breaker breaker();

        Bulkhead bulkhead();

        interface Breaker {
            @WithDefault("20")
            int requestVolume();

            @WithDefault("0.5")
            double failureRatio();

            @WithDefault("10s")
            Duration delay();
        }

        interface Bulkhead {
            @WithDefault("64")
            int maxConcurrent();

            @WithDefault("256")
            int queue();
        }
    }

    interface Sse {
        /** Interval of {@code : keep-alive} comments on open streams. */
        @WithDefault("15s")
        Duration heartbeat();
    }

    interface Jobs {
        /** How long a finished job (its status and event log) stays retrievable. */
        @WithDefault("1h")
        Duration ttl();

        /** Most jobs kept at once; the oldest finished ones go first. */
        @WithDefault("10000")
        int maxJobs();

        /** An unseeded job with no listener for this long is cancelled. */
        @WithDefault("30s")
        Duration orphanGrace();
    }

    interface Simulator {
        /** Simulated generation time per request. */
        @WithDefault("1500ms")
        Duration latency();

        /** Share of requests (0–1) that fail with a random retryable fault. */
        @WithDefault("0")
        double faultRate();

        /** Prompts containing this word come back RAI-filtered. */
        @WithDefault("forbidden")
        String blockedWord();

        /** Output types the simulator encodes; others are refused at validation, naming these. */
        @WithDefault("image/png,image/jpeg,image/gif,image/bmp,image/tiff")
        List<String> mimeTypes();
    }
}
