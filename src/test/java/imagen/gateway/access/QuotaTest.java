package imagen.gateway.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import imagen.gateway.cluster.QuotaCounters;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * Quotas per API key over HTTP: requests per minute and images per day, refused as 429 problems with
 * Retry-After and the RateLimit fields; cache hits, coalesced requests and failures cost no images.
 */
@QuarkusTest
@TestProfile(QuotaTest.WithQuotas.class)
class QuotaTest {

    static final String PREDICT = "/v1/projects/p/locations/us-central1/publishers/google/models/"
            + "imagen-4.0-fast-generate-001:predict";

    public static class WithQuotas implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.api-keys", "rate-key,image-key,vertex-key,free-key",
                    "imagen.quota.images-per-day", "5",
                    "imagen.quota.client.\"" + Client.ofKey("rate-key").id() + "\".requests-per-minute", "3",
                    "imagen.quota.client.\"" + Client.ofKey("rate-key").id() + "\".images-per-day", "1000",
                    "imagen.quota.client.\"" + Client.ofKey("vertex-key").id() + "\".requests-per-minute", "1",
                    "imagen.quota.client.\"" + Client.ofKey("free-key").id() + "\".images-per-day", "3");
        }
    }

    @Inject
    MeterRegistry metrics;

    @Inject
    QuotaCounters counters;

    private static String body(String prompt, int samples, long seed) {
        return "{\"prompt\":\"" + prompt + "\",\"sampleCount\":" + samples + ",\"seed\":" + seed
                + ",\"addWatermark\":false}";
    }

    private static Response post(String key, String body) {
        return given().contentType(ContentType.JSON).header("x-goog-api-key", key).body(body)
                .when().post("/v1/generations");
    }

    private static void awaitDone(Response accepted) {
        String location = accepted.header("Location");
        await().atMost(Duration.ofSeconds(20)).until(() -> !"running".equals(
                given().header("x-goog-api-key", "rate-key").get(location).path("status")));
    }

    @Test
    void aFourthRequestInAMinuteIsA429WithRetryAfterAndRateLimitFields() {
        for (int i = 0; i < 3; i++) {
            post("rate-key", body("rate " + i, 1, 7000 + i)).then().statusCode(202)
                    .header("RateLimit-Policy", "\"requests\";q=3;w=60, \"images\";q=1000;w=86400")
                    .header("RateLimit", matchesPattern("\"requests\";r=" + (2 - i) + ";t=\\d+, \"images\";r=\\d+;t=\\d+"));
        }
        Response refused = post("rate-key", body("rate 3", 1, 7003));
        refused.then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", matchesPattern("[1-9]\\d?"))
                .header("RateLimit", matchesPattern("\"requests\";r=0;t=\\d+, .*"))
                .body("type", equalTo("urn:imagen-gateway:problem:quota-exceeded"))
                .body("detail", equalTo("quota exceeded: 3 generation requests per minute for this client"))
                .body("retryable", equalTo(true));
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        // a stream is refused with a status too, before its head: never a 200 whose only event is an error
        given().contentType(ContentType.JSON).accept("text/event-stream").header("x-goog-api-key", "rate-key")
                .body(body("rate stream", 1, 7004)).when().post("/v1/generations").then().statusCode(429)
                .contentType("application/problem+json").header("Retry-After", matchesPattern("\\d+"));
        assertThat(metrics.counter("imagen.quota.refused", "client", Client.ofKey("rate-key").id(), "budget",
                "requests").count()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void imagesPerDayCountOnlyWhatAnUpstreamCallGenerated() {
        // 2 images generated: 3 of 5 left
        Response first = post("image-key", body("budget", 2, 8100));
        first.then().statusCode(202).header("RateLimit", containsString("\"images\";r=3;"));
        awaitDone(first);
        // the same seeded request again is a cache hit: it reserves 2, then gives them back
        Response hit = post("image-key", body("budget", 2, 8100));
        hit.then().statusCode(202).body("cache", equalTo("hit"));
        awaitDone(hit);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(imagesUsed("image-key")).isEqualTo(2));
        // a generation that fails upstream spends nothing either
        Response failed = given().contentType(ContentType.JSON).header("x-goog-api-key", "image-key")
                .header("X-Simulator-Fault", "400").body(body("budget failing", 1, 8101)).when().post("/v1/generations");
        failed.then().statusCode(202);
        awaitDone(failed);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(imagesUsed("image-key")).isEqualTo(2));
        // 3 more fit; then a request for 1 more is refused
        Response third = post("image-key", body("budget three", 3, 8102));
        third.then().statusCode(202);
        awaitDone(third);
        post("image-key", body("budget over", 1, 8103)).then().statusCode(429)
                .header("Retry-After", matchesPattern("\\d+"))
                .body("detail", equalTo("quota exceeded: 5 images per day for this client, 5 used or in progress"));
        assertThat(metrics.counter("imagen.quota.images", "client", Client.ofKey("image-key").id()).count())
                .isEqualTo(5.0);
    }

    @Test
    void aRequestForMoreImagesThanAreLeftIsRefusedAndGivesItsReservationBack() {
        Response two = post("free-key", body("left", 2, 8200));
        two.then().statusCode(202);
        awaitDone(two);
        post("free-key", body("left more", 2, 8201)).then().statusCode(429)
                .body("detail", equalTo("quota exceeded: the request asks for 2 images and this client has 1 of its 3"
                        + " images per day left"));
        assertThat(imagesUsed("free-key")).isEqualTo(2);
        // an invalid request reserves and gives everything back
        post("free-key", "{\"prompt\":\"\",\"sampleCount\":1}").then().statusCode(400);
        assertThat(imagesUsed("free-key")).isEqualTo(2);
        post("free-key", body("left one", 1, 8202)).then().statusCode(202);
    }

    @Test
    void theVertexPathsAnswerGooglesResourceExhausted() {
        String predict = "{\"instances\":[{\"prompt\":\"vertex quota\"}],\"parameters\":{\"sampleCount\":1,\"seed\":5,"
                + "\"addWatermark\":false}}";
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).header("x-goog-api-key", "vertex-key").body(predict)
                .when().post(PREDICT).then().statusCode(200);
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).header("x-goog-api-key", "vertex-key").body(predict)
                .when().post(PREDICT).then().statusCode(429).header("Retry-After", matchesPattern("\\d+"))
                .body("error.code", equalTo(429)).body("error.status", equalTo("RESOURCE_EXHAUSTED"))
                .body("error.details[0].'@type'", equalTo("type.googleapis.com/google.rpc.RetryInfo"));
    }

    @Test
    void readsAndOtherPathsSpendNoQuota() {
        for (int i = 0; i < 5; i++) {
            given().header("x-goog-api-key", "rate-key").when().get("/v1/models").then().statusCode(200);
        }
    }

    /** What the day's counter holds for a key, read by reserving nothing. */
    private long imagesUsed(String key) {
        var window = counters.admit(Client.ofKey(key).id(), -1, 1_000_000, 1, System.currentTimeMillis());
        counters.refund(Client.ofKey(key).id(), window.day(), window.granted());
        return window.images() - window.granted();
    }
}
