package imagen.gateway.request;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.text.Normalizer;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import imagen.gateway.request.GenerationRequest.OutputOptions;

/** The de-duplication key: same generation → same key, any difference that changes the result → another key. */
class RequestKeyTest {

    private static final String DEFAULT_MODEL = "imagen-4.0-fast-generate-001";
    private static final ModelSpec MODEL = new ModelSpec(DEFAULT_MODEL, Protocol.IMAGEN, java.util.Optional.empty(),
            java.util.Optional.empty(), ImagenDefaults.ASPECT_RATIOS, java.util.List.of("1K", "2K"), java.util.List.of(),
            false, java.util.List.of());
    private static final String PROMPT = "small boat on water in the morning, watercolor";

    @Test
    void isA64CharacterLowerCaseHexSha256() {
        assertThat(key(seeded()), matchesPattern("[0-9a-f]{64}"));
    }

    @Test
    void isStableForTheSameRequest() {
        assertEquals(key(seeded()), key(seeded()));
    }

    @Test
    void omittedParametersAndTheirExplicitDefaultsGiveTheSameKey() {
        Req explicit = seeded();
        explicit.model = DEFAULT_MODEL;
        explicit.sampleCount = 4;
        explicit.aspectRatio = "1:1";
        explicit.outputOptions = new OutputOptions("image/png", 75);
        explicit.personGeneration = "allow_adult";
        explicit.safetySetting = "block_medium_and_above";
        explicit.enhancePrompt = true;
        explicit.includeRaiReason = true;
        explicit.includeSafetyAttributes = false;
        explicit.sampleImageSize = "1K";
        explicit.language = "auto";
        assertEquals(key(seeded()), key(explicit));
    }

    @Test
    void eachExplicitDefaultAloneGivesTheSameKeyAsOmittingIt() {
        String omitted = key(seeded());
        Map<String, UnaryOperator<Req>> defaults = Map.ofEntries(
                Map.entry("model", r -> r.with(x -> x.model = DEFAULT_MODEL)),
                Map.entry("sampleCount", r -> r.with(x -> x.sampleCount = 4)),
                Map.entry("aspectRatio", r -> r.with(x -> x.aspectRatio = "1:1")),
                Map.entry("mimeType", r -> r.with(x -> x.outputOptions = new OutputOptions("image/png", null))),
                Map.entry("compressionQuality", r -> r.with(x -> x.outputOptions = new OutputOptions(null, 75))),
                Map.entry("empty outputOptions", r -> r.with(x -> x.outputOptions = new OutputOptions(null, null))),
                Map.entry("personGeneration", r -> r.with(x -> x.personGeneration = "allow_adult")),
                Map.entry("safetySetting", r -> r.with(x -> x.safetySetting = "block_medium_and_above")),
                Map.entry("enhancePrompt", r -> r.with(x -> x.enhancePrompt = true)),
                Map.entry("includeRaiReason", r -> r.with(x -> x.includeRaiReason = true)),
                Map.entry("includeSafetyAttributes", r -> r.with(x -> x.includeSafetyAttributes = false)),
                Map.entry("sampleImageSize", r -> r.with(x -> x.sampleImageSize = "1K")),
                Map.entry("language", r -> r.with(x -> x.language = "auto")));
        defaults.forEach((name, set) -> assertEquals(omitted, key(set.apply(seeded())), "explicit default " + name));
    }

    @Test
    void legacyBlockSomeIsBlockMediumAndAbove() {
        assertEquals(key(seeded().with(r -> r.safetySetting = "block_medium_and_above")),
                key(seeded().with(r -> r.safetySetting = "block_some")));
    }

    @Test
    void legacySafetyNamesMapToTheirCurrentNames() {
        assertEquals(key(seeded().with(r -> r.safetySetting = "block_low_and_above")),
                key(seeded().with(r -> r.safetySetting = "block_most")));
        assertEquals(key(seeded().with(r -> r.safetySetting = "block_only_high")),
                key(seeded().with(r -> r.safetySetting = "block_few")));
    }

    @Test
    void enumValuesInUpperCaseGiveTheSameKey() {
        assertEquals(key(seeded().with(r -> {
            r.safetySetting = "block_only_high";
            r.personGeneration = "dont_allow";
            r.outputOptions = new OutputOptions("image/jpeg", 80);
        })), key(seeded().with(r -> {
            r.safetySetting = "BLOCK_ONLY_HIGH";
            r.personGeneration = "DONT_ALLOW";
            r.outputOptions = new OutputOptions("IMAGE/JPEG", 80);
        })));
    }

    @Test
    void nfcAndNfdSpellingsOfAPromptGiveTheSameKey() {
        String nfc = Normalizer.normalize("café crème at Åre, naïve style", Normalizer.Form.NFC);
        String nfd = Normalizer.normalize(nfc, Normalizer.Form.NFD);
        assertNotEquals(nfc, nfd, "the two spellings must differ as strings for this test to mean anything");
        assertEquals(key(seeded().with(r -> r.prompt = nfc)), key(seeded().with(r -> r.prompt = nfd)));
    }

    @Test
    void nfcAndNfdSpellingsOfANegativePromptGiveTheSameKey() {
        String nfc = Normalizer.normalize("no piñatas", Normalizer.Form.NFC);
        String nfd = Normalizer.normalize(nfc, Normalizer.Form.NFD);
        assertEquals(key(seeded().with(r -> r.negativePrompt = nfc)), key(seeded().with(r -> r.negativePrompt = nfd)));
    }

    @Test
    void differentSeedsGiveDifferentKeys() {
        assertNotEquals(key(seeded().with(r -> r.seed = 42L)), key(seeded().with(r -> r.seed = 43L)));
    }

    @Test
    void differentPromptsGiveDifferentKeys() {
        assertNotEquals(key(seeded()), key(seeded().with(r -> r.prompt = PROMPT + ".")));
    }

    @Test
    void promptsAreHashedExactlyNotTrimmedOrLowerCased() {
        assertNotEquals(key(seeded()), key(seeded().with(r -> r.prompt = PROMPT + " ")));
        assertNotEquals(key(seeded()), key(seeded().with(r -> r.prompt = PROMPT.toUpperCase())));
    }

    @Test
    void differentModelsGiveDifferentKeys() {
        assertNotEquals(key(seeded()), key(seeded().with(r -> r.model = "imagen-4.0-generate-001")));
    }

    @Test
    void differentStorageUrisGiveDifferentKeys() {
        String none = key(seeded());
        String a = key(seeded().with(r -> r.storageUri = "gs://bucket-a/out/"));
        String b = key(seeded().with(r -> r.storageUri = "gs://bucket-b/out/"));
        assertNotEquals(none, a);
        assertNotEquals(a, b);
    }

    @Test
    void anExtraParameterGivesADifferentKey() {
        CanonicalRequest plain = CanonicalRequest.of(seeded().build(), MODEL, Map.of(), null);
        CanonicalRequest extra = CanonicalRequest.of(seeded().build(), MODEL,
                Map.<String, JsonNode>of("editMode", JsonNodeFactory.instance.textNode("EDIT_MODE_DEFAULT")), null);
        CanonicalRequest otherValue = CanonicalRequest.of(seeded().build(), MODEL,
                Map.<String, JsonNode>of("editMode", JsonNodeFactory.instance.textNode("EDIT_MODE_INPAINT")), null);
        assertNotEquals(RequestKey.of(plain), RequestKey.of(extra));
        assertNotEquals(RequestKey.of(extra), RequestKey.of(otherValue));
    }

    @Test
    void extraParametersInAnyOrderGiveTheSameKey() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        var one = f.objectNode().put("a", 1).put("b", 2);
        var other = f.objectNode().put("b", 2).put("a", 1);
        CanonicalRequest first = CanonicalRequest.of(seeded().build(), MODEL,
                Map.of("x", one, "y", f.booleanNode(true)), null);
        CanonicalRequest second = CanonicalRequest.of(seeded().build(), MODEL,
                Map.of("y", f.booleanNode(true), "x", other), null);
        assertEquals(RequestKey.of(first), RequestKey.of(second));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sampleCount", "aspectRatio", "mimeType", "compressionQuality", "personGeneration",
            "safetySetting", "enhancePrompt", "includeRaiReason", "includeSafetyAttributes", "sampleImageSize", "language",
            "negativePrompt"})
    void aNonDefaultParameterGivesADifferentKey(String parameter) {
        Req changed = seeded();
        switch (parameter) {
            case "sampleCount" -> changed.sampleCount = 2;
            case "aspectRatio" -> changed.aspectRatio = "16:9";
            case "mimeType" -> changed.outputOptions = new OutputOptions("image/jpeg", null);
            case "compressionQuality" -> changed.outputOptions = new OutputOptions(null, 80);
            case "personGeneration" -> changed.personGeneration = "dont_allow";
            case "safetySetting" -> changed.safetySetting = "block_only_high";
            case "enhancePrompt" -> changed.enhancePrompt = false;
            case "includeRaiReason" -> changed.includeRaiReason = false;
            case "includeSafetyAttributes" -> changed.includeSafetyAttributes = true;
            case "sampleImageSize" -> changed.sampleImageSize = "2K";
            case "language" -> changed.language = "en";
            case "negativePrompt" -> changed.negativePrompt = "people";
            default -> throw new IllegalArgumentException(parameter);
        }
        assertNotEquals(key(seeded()), key(changed));
    }

    private static Req seeded() {
        Req r = new Req();
        r.prompt = PROMPT;
        r.seed = 42L;
        r.addWatermark = false;
        return r;
    }

    private static String key(Req r) {
        ModelSpec model = r.model == null ? MODEL : new ModelSpec(r.model, Protocol.IMAGEN, java.util.Optional.empty(),
                java.util.Optional.empty(), ImagenDefaults.ASPECT_RATIOS, java.util.List.of("1K", "2K"), java.util.List.of(),
                false, java.util.List.of());
        return RequestKey.of(CanonicalRequest.of(r.build(), model, Map.of(), null));
    }

    /** A GenerationRequest under construction: its 16 positional fields by name. */
    private static final class Req {
        String model;
        String prompt;
        String negativePrompt;
        Integer sampleCount;
        Long seed;
        Boolean addWatermark;
        String aspectRatio;
        Boolean enhancePrompt;
        Boolean includeRaiReason;
        Boolean includeSafetyAttributes;
        OutputOptions outputOptions;
        String personGeneration;
        String safetySetting;
        String sampleImageSize;
        String language;
        String storageUri;

        Req with(java.util.function.Consumer<Req> change) {
            change.accept(this);
            return this;
        }

        GenerationRequest build() {
            return new GenerationRequest(model, prompt, negativePrompt, sampleCount, seed, addWatermark, aspectRatio,
                    enhancePrompt, includeRaiReason, includeSafetyAttributes, outputOptions, personGeneration, safetySetting,
                    sampleImageSize, language, storageUri, null, null, null);
        }
    }
}
