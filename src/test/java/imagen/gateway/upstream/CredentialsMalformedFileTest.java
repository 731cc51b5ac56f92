package imagen.gateway.upstream;

import static imagen.gateway.upstream.CredentialsMissingFileTest.WAIT;
import static imagen.gateway.upstream.CredentialsMissingFileTest.credentialsCheck;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.support.KeyFiles;
import imagen.gateway.support.KeyFiles.InjectKeyFiles;
import imagen.gateway.support.LogCapture;
import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import imagen.gateway.support.WireMockVertex;
import imagen.gateway.support.WireMockVertexTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * {@code imagen.vertex.credentials-file} naming a file that is there but is no usable credentials:
 * readiness is DOWN with google-auth-library's parse error, and so is every generation's 503. Each
 * test writes the file it needs; {@code imagen.vertex.credentials-retry=0s} has the next probe read it.
 */
@QuarkusTest
@TestProfile(CredentialsMalformedFileTest.MalformedFile.class)
class CredentialsMalformedFileTest extends WireMockVertexTest {

    public static class MalformedFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.vertex.credentials-retry", "0s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(WireMockVertex.class, Map.of("auth", "adc")),
                    new TestResourceEntry(KeyFiles.class, Map.of("file", "garbage")));
        }
    }

    @InjectKeyFiles
    KeyFiles keys;

    @Test
    void garbageJsonIsDownWithTheParseError() {
        keys.write("this is not JSON {");

        String cause = "the file is not valid JSON (malformed at line 1 column 1 path $)";
        await().atMost(WAIT).untilAsserted(() -> assertThat(downCause()).isEqualTo(cause));
        assertGenerationFailsNaming(cause);
    }

    @Test
    void aServiceAccountKeyWithABrokenPrivateKeyIsDownNamingItWithoutTheKey() {
        String keyBody = keys.writeBrokenServiceAccountKey();

        await().atMost(WAIT).untilAsserted(() -> assertThat(downCause()).contains("PKCS#8"));
        Response ready = given().when().get("/q/health/ready");
        assertThat(ready.asString()).doesNotContain(keyBody).doesNotContain(keyBody.substring(0, 20));
        assertGenerationFailsNaming(downCause());
    }

    @Test
    void aJsonWithoutATypeIsDownSayingSo() {
        keys.write("{\"client_email\":\"someone@example.com\"}");

        await().atMost(WAIT).untilAsserted(() -> assertThat(downCause()).contains("'type' field not specified"));
    }

    @Test
    void anEmptyFileIsDownSayingSo() {
        keys.write("");

        await().atMost(WAIT).untilAsserted(() -> assertThat(downCause()).contains("no JSON input found"));
    }

    private String downCause() {
        Response ready = given().when().get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode check = credentialsCheck(ready);
        assertThat(check.path("status").asText()).isEqualTo("DOWN");
        assertThat(check.path("data").path("source").asText()).contains(keys.file().toString());
        return check.path("data").path("cause").asText();
    }

    private void assertGenerationFailsNaming(String cause) {
        try (LogCapture logs = LogCapture.start()) {
            List<Event> events;
            try (SseClient sse = SseClient.post(base.resolve("/v1/generations"),
                    "{\"prompt\":\"bad key " + UUID.randomUUID() + "\",\"sampleCount\":1}", Map.of())) {
                events = sse.readAll(WAIT);
            }
            JsonNode problem = events.get(events.size() - 1).json();
            assertThat(problem.path("type").asText()).isEqualTo("urn:imagen-gateway:problem:upstream-credentials");
            assertThat(problem.path("status").asInt()).isEqualTo(503);
            assertThat(problem.path("retryable").asBoolean(true)).isFalse();
            assertThat(problem.path("detail").asText()).contains(keys.file().toString()).contains(cause);
            CredentialsMissingFileTest.assertNoErrorsNorStackTraces(logs);
        }
        assertThat(vertex.getAllServeEvents()).isEmpty();
    }
}
