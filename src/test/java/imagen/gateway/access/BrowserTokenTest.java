package imagen.gateway.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagen.gateway.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * Browser tokens over HTTP: a server mints a short-lived JWT (as the README's example does), the
 * browser presents it instead of an API key; issuer, audience, expiry, lifetime and signature are
 * checked, and the token's models and quota bind its subject.
 */
@QuarkusTest
@TestProfile(BrowserTokenTest.WithTokens.class)
class BrowserTokenTest {

    static final String ISSUER = "https://app.example.test";
    static final KeyPair KEYS = rsa();
    static final KeyPair OTHER_KEYS = rsa();

    public static class WithTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.api-keys", "server-key",
                    "imagen.tokens.issuer", ISSUER,
                    "imagen.tokens.verify-key", "file:" + publicKeyFile(),
                    "imagen.tokens.max-lifetime", "15m");
        }
    }

    @TestHTTPResource("/")
    java.net.URI base;

    private static final String BODY = "{\"prompt\":\"token %s\",\"sampleCount\":1,\"seed\":%d,\"addWatermark\":false}";

    static JwtClaimsBuilder token(String subject) {
        return Jwt.issuer(ISSUER).audience("imagen-gateway").subject(subject).issuedAt(Instant.now())
                .expiresIn(Duration.ofMinutes(10));
    }

    private static io.restassured.response.Response post(String token, String prompt, long seed) {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .body(BODY.formatted(prompt, seed)).when().post("/v1/generations");
    }

    @Test
    void aValidTokenStartsAGenerationAndFollowsItsEventsFromTheQuery() throws Exception {
        String token = token("user-1").sign(KEYS.getPrivate());
        String events = post(token, "valid", 9001).then().statusCode(202).extract().path("events");
        // EventSource cannot set headers: the token rides in ?access_token=
        try (SseClient stream = SseClient.get(base.resolve(events + "?access_token=" + token), Map.of())) {
            assertThat(stream.status()).isEqualTo(200);
            stream.awaitEvent(SseClient.Event::terminal, Duration.ofSeconds(20));
            assertThat(stream.events()).extracting(SseClient.Event::name).startsWith("accepted").endsWith("done");
        }
        // the server's own API key still works beside tokens
        given().contentType(ContentType.JSON).header("x-goog-api-key", "server-key").body(BODY.formatted("key", 9002))
                .when().post("/v1/generations").then().statusCode(202);
    }

    @Test
    void refusesEveryBadTokenWithA401ThatSaysWhy() {
        Instant past = Instant.now().minusSeconds(3600);
        assertRefused(Jwt.issuer(ISSUER).audience("imagen-gateway").subject("u").issuedAt(past)
                .expiresAt(past.plusSeconds(600)).sign(KEYS.getPrivate()), "the token has expired");
        assertRefused(token("u").issuer("https://elsewhere.test").sign(KEYS.getPrivate()),
                "the token's issuer (iss) is not " + ISSUER);
        assertRefused(token("u").audience("another-api").sign(KEYS.getPrivate()),
                "the token's audience (aud) must be imagen-gateway");
        assertRefused(token("u").sign(OTHER_KEYS.getPrivate()), "the token's signature does not verify");
        assertRefused(token("u").expiresIn(Duration.ofHours(2)).sign(KEYS.getPrivate()),
                "the token lives longer than 900 s (exp - iat): browser tokens must be short-lived");
        assertRefused("not.a.token", "the token is not a valid signed JWT");
        assertRefused("just-a-wrong-key", "the API key is not valid");
        given().contentType(ContentType.JSON).body(BODY.formatted("none", 1)).when().post("/v1/generations")
                .then().statusCode(401).body("detail", equalTo("an API key or a token is required"));
    }

    private static void assertRefused(String token, String detail) {
        post(token, "bad", 9100).then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer realm=\"imagen-gateway\""))
                .body("type", equalTo("urn:imagen-gateway:problem:unauthorized"))
                .body("detail", equalTo(detail));
    }

    @Test
    void aTokenMayUseOnlyItsModels() {
        String token = token("user-models").claim("imagen_models", List.of("gemini-3.1-flash-image"))
                .sign(KEYS.getPrivate());
        post(token, "models", 9200).then().statusCode(403).contentType("application/problem+json")
                .body("detail", equalTo("this token may not use model imagen-4.0-fast-generate-001; it allows"
                        + " gemini-3.1-flash-image"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .body("{\"model\":\"gemini-3.1-flash-image\",\"prompt\":\"models ok\",\"seed\":9201}")
                .when().post("/v1/generations").then().statusCode(202);
    }

    @Test
    void aTokensQuotaBindsItsSubjectAcrossTokens() {
        var quota = Map.of("requestsPerMinute", 2);
        post(token("user-quota").claim("imagen_quota", quota).sign(KEYS.getPrivate()), "quota", 9300)
                .then().statusCode(202).header("RateLimit-Policy", "\"requests\";q=2;w=60");
        // a fresh token for the same subject shares the subject's budget
        post(token("user-quota").claim("imagen_quota", quota).sign(KEYS.getPrivate()), "quota", 9301)
                .then().statusCode(202);
        post(token("user-quota").claim("imagen_quota", quota).sign(KEYS.getPrivate()), "quota", 9302)
                .then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.matchesPattern("\\d+"));
        // another subject has its own
        post(token("user-other").claim("imagen_quota", quota).sign(KEYS.getPrivate()), "quota", 9303)
                .then().statusCode(202);
        post(token("user-bad-quota").claim("imagen_quota", Map.of("imagesPerDay", "lots")).sign(KEYS.getPrivate()),
                "quota", 9304).then().statusCode(401)
                .body("detail", equalTo("the token's imagen_quota.imagesPerDay must be a non-negative integer"));
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path publicKeyFile() {
        try {
            Path file = Files.createTempFile("browser-token-", ".pem");
            file.toFile().deleteOnExit();
            String pem = "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(KEYS.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
            Files.writeString(file, pem);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PrivateKey signingKey() {
        return KEYS.getPrivate();
    }
}
