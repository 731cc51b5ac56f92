package imagen.gateway.api;

import static imagen.gateway.support.SseStreams.names;
import static imagen.gateway.support.SseStreams.digests;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import jakarta.inject.Inject;

import imagen.gateway.upstream.Guards;

import imagen.gateway.support.SseClient;
import imagen.gateway.support.SseClient.Event;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
class GenerationStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static int nextSeed = 7;

    /** A fresh seeded request: identical ones would be coalesced or cache hits. */
    private static String seeded() {
        return "{\"prompt\":\"small boat on water, watercolor\",\"sampleCount\":2,\"seed\":" + (nextSeed++)
                + ",\"addWatermark\":false,\"aspectRatio\":\"16:9\"}";
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    Guards vertex;

    @AfterEach
    void closeBreakers() {
        vertex.resetBreakers();
    }

    @Test
    void streamsAcceptedAttemptImagesAndDoneInTheResponse() {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), seeded(), Map.of())) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.header("content-type")).startsWith("text/event-stream");
            assertThat(sse.header("X-Cache")).isEqualTo("miss");
            List<Event> events = sse.readAll(WAIT);

            assertThat(names(events)).containsExactly("accepted", "attempt", "image", "image", "done");
            assertThat(events).extracting(Event::id).containsExactly("1", "2", "3", "4", "5");
            Event accepted = events.get(0);
            assertThat(accepted.json().get("id").asText()).startsWith("gen_");
            assertThat(accepted.json().get("deterministic").asBoolean()).isTrue();
            assertThat(accepted.json().get("sampleCount").asInt()).isEqualTo(2);
            assertThat(accepted.json().get("model").asText()).isEqualTo("imagen-4.0-fast-generate-001");
            assertThat(accepted.json().get("cache").asText()).isEqualTo("miss");
            assertThat(events.get(1).json().get("location").asText()).isEqualTo("us-central1");
            assertThat(events.get(2).json().get("index").asInt()).isZero();
            assertThat(events.get(3).json().get("index").asInt()).isEqualTo(1);
            assertThat(events.get(2).json().has("data")).as("no base64 unless inline=true").isFalse();
            var done = events.get(4).json();
            assertThat(done.get("images").asInt()).isEqualTo(2);
            assertThat(done.get("filtered").asInt()).isZero();
            assertThat(done.get("attempts").asInt()).isEqualTo(1);
            assertThat(done.get("totalMs").asLong()).isGreaterThanOrEqualTo(done.get("upstreamMs").asLong());
        }
    }

    @Test
    void imageUrlsServeLandscapeImagesWithImmutableCaching() throws IOException {
        Event image = runToEnd(seeded()).stream().filter(e -> e.name().equals("image")).findFirst().orElseThrow();
        String url = image.json().get("url").asText();
        String digest = image.json().get("sha256").asText();
        assertThat(url).isEqualTo("/v1/images/" + digest);

        Response response = given().when().get(url).then().statusCode(200)
                .contentType("image/png")
                .header("ETag", "\"" + digest + "\"")
                .header("Cache-Control", "public, max-age=31536000, immutable")
                .extract().response();
        byte[] bytes = response.asByteArray();
        assertThat(bytes).hasSize(image.json().get("bytes").asInt());
        var picture = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(picture.getWidth()).isEqualTo(1408);
        assertThat(picture.getHeight()).isEqualTo(768);

        given().header("If-None-Match", "\"" + digest + "\"").when().get(url).then().statusCode(304);
    }

    @Test
    void sameSeededRequestYieldsByteIdenticalImages() {
        String request = seeded();
        List<String> first = digests(runToEnd(request));
        List<String> second = digests(runToEnd(request));
        assertThat(first).hasSize(2).doesNotHaveDuplicates();
        assertThat(second).isEqualTo(first);

        List<String> otherSeed = digests(runToEnd(seeded()));
        assertThat(otherSeed).hasSize(2).doesNotContainAnyElementsOf(first);
    }

    @Test
    void inlineStreamsCarryBase64Data() {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations?inline=true"), seeded(), Map.of())) {
            Event image = sse.awaitEvent(e -> e.name().equals("image"), WAIT);
            byte[] data = java.util.Base64.getDecoder().decode(image.json().get("data").asText());
            assertThat(data).hasSize(image.json().get("bytes").asInt());
        }
    }

    @Test
    void jsonCreateAnswers202WithLocationAndTheJobCompletes() {
        Response created = given().contentType(ContentType.JSON).accept(ContentType.JSON).body(seeded())
                .when().post("/v1/generations")
                .then().statusCode(202)
                .header("Location", matchesPattern(".*/v1/generations/gen_[A-Za-z0-9_-]+$"))
                .header("X-Cache", "miss")
                .body("status", equalTo("running"))
                .body("cache", equalTo("miss"))
                .body("events", startsWith("/v1/generations/gen_"))
                .extract().response();
        String id = created.path("id");
        assertThat(created.header("Location")).endsWith("/v1/generations/" + id);

        await().atMost(WAIT).untilAsserted(() -> given().when().get("/v1/generations/" + id)
                .then().statusCode(200).body("status", equalTo("succeeded")));
        given().when().get("/v1/generations/" + id).then()
                .body("id", equalTo(id))
                .body("deterministic", equalTo(true))
                .body("images.size()", equalTo(2))
                .body("images[0].url", startsWith("/v1/images/"))
                .body("result.images", equalTo(2))
                .body("filtered.size()", equalTo(0));
    }

    @Test
    void requestWithoutAcceptGetsJsonNotAStream() {
        given().contentType(ContentType.JSON).body(seeded()).when().post("/v1/generations")
                .then().statusCode(202).contentType(ContentType.JSON);
    }

    @Test
    void finishedJobReplaysItsWholeLogAndLastEventIdReplaysOnlyLaterEvents() {
        List<Event> original = runToEnd(seeded());
        String id = original.get(0).json().get("id").asText();
        URI events = base.resolve("/v1/generations/" + id + "/events");

        try (SseClient replay = SseClient.get(events, Map.of())) {
            assertThat(replay.readAll(WAIT)).isEqualTo(original);
        }
        try (SseClient resumed = SseClient.get(events, Map.of("Last-Event-ID", "3"))) {
            assertThat(resumed.readAll(WAIT)).extracting(Event::id).containsExactly("4", "5");
        }
        try (SseClient resumed = SseClient.get(URI.create(events + "?lastEventId=4"), Map.of())) {
            assertThat(resumed.readAll(WAIT)).extracting(Event::id).containsExactly("5");
        }
        given().header("Last-Event-ID", "nope").when().get(events.getPath())
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void viewerJoiningMidwayGetsReplayThenLiveEvents() {
        String id = given().contentType(ContentType.JSON).accept(ContentType.JSON)
                .header("X-Simulator-Fault", "delay:700").body(seeded())
                .when().post("/v1/generations").then().statusCode(202).extract().path("id");
        try (SseClient sse = SseClient.get(base.resolve("/v1/generations/" + id + "/events"), Map.of())) {
            List<Event> events = sse.readAll(WAIT);
            assertThat(names(events)).containsExactly("accepted", "attempt", "image", "image", "done");
            assertThat(events).extracting(Event::id).containsExactly("1", "2", "3", "4", "5");
        }
    }

    @Test
    void sendsKeepAliveCommentsWhileWaiting() {
        String body = "{\"prompt\":\"lighthouse at dusk\",\"sampleCount\":1,\"seed\":11,\"addWatermark\":false}";
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body,
                Map.of("X-Simulator-Fault", "delay:1500"))) {
            sse.awaitComments(2, WAIT);
            assertThat(sse.comments()).allMatch("keep-alive"::equals);
            assertThat(names(sse.events())).doesNotContain("done", "error");
            assertThat(names(sse.readAll(WAIT))).endsWith("done");
        }
    }

    @Test
    void clientDisconnectDoesNotCancelASeededJob() {
        String body = "{\"prompt\":\"harbour in fog\",\"sampleCount\":1,\"seed\":12,\"addWatermark\":false}";
        String id;
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body,
                Map.of("X-Simulator-Fault", "delay:1500"))) {
            id = sse.awaitEvent(e -> e.name().equals("accepted"), WAIT).json().get("id").asText();
        }
        // the only viewer is gone; the orphan grace (500 ms under test) passes long before the upstream answers
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/v1/generations/" + id)
                .then().body("status", equalTo("succeeded")).body("images.size()", equalTo(1)));
    }

    @Test
    void unseededJobNobodyWatchesIsCancelled() {
        String body = "{\"prompt\":\"harbour in fog\",\"sampleCount\":1}";
        String id;
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body,
                Map.of("X-Simulator-Fault", "delay:5000"))) {
            id = sse.awaitEvent(e -> e.name().equals("accepted"), WAIT).json().get("id").asText();
        }
        // a status poll counts as interest and restarts the 500 ms grace: poll less often than that
        await().pollDelay(Duration.ofMillis(1500)).pollInterval(Duration.ofSeconds(1)).atMost(WAIT)
                .untilAsserted(() -> given().when().get("/v1/generations/" + id)
                .then().body("status", equalTo("cancelled"))
                .body("error.vertexStatus", equalTo("CANCELLED"))
                .body("error.status", equalTo(499)));
        try (SseClient replay = SseClient.get(base.resolve("/v1/generations/" + id + "/events"), Map.of())) {
            assertThat(names(replay.readAll(WAIT))).containsExactly("accepted", "attempt", "error");
        }
    }

    @Test
    void anUnseededStreamWatchedPastTheGraceThenDroppedIsCancelled() {
        String body = "{\"prompt\":\"harbour at night\",\"sampleCount\":1}";
        String id;
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body,
                Map.of("X-Simulator-Fault", "delay:8000"))) {
            id = sse.awaitEvent(e -> e.name().equals("accepted"), WAIT).json().get("id").asText();
            // watched for three heartbeats (300 ms each under test): longer than the 500 ms grace
            sse.awaitComments(3, WAIT);
            given().when().get("/v1/generations/" + id).then().body("status", equalTo("running"));
        }
        await().pollDelay(Duration.ofMillis(1000)).pollInterval(Duration.ofSeconds(1)).atMost(WAIT)
                .untilAsserted(() -> given().when().get("/v1/generations/" + id)
                        .then().body("status", equalTo("cancelled")).body("error.status", equalTo(499)));
    }

    @Test
    void upstreamFailureEndsTheStreamWithOneErrorEvent() {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), seeded(), Map.of("X-Simulator-Fault", "503"))) {
            List<Event> events = sse.readAll(WAIT);
            assertThat(names(events)).containsExactly("accepted", "attempt", "retry", "attempt", "retry", "attempt",
                    "retry", "attempt", "error");
            var error = events.get(8).json();
            assertThat(error.get("status").asInt()).isEqualTo(503);
            assertThat(error.get("vertexStatus").asText()).isEqualTo("UNAVAILABLE");
            assertThat(error.get("retryable").asBoolean()).isTrue();
            assertThat(error.get("type").asText()).isNotBlank();
            assertThat(error.get("instance").asText()).startsWith("/v1/generations/gen_");
        }
    }

    @Test
    void blockedPromptIsFilteredWithTheReason() {
        String body = "{\"prompt\":\"a forbidden scene\",\"sampleCount\":2,\"seed\":5,\"addWatermark\":false}";
        List<Event> events = runToEnd(body);
        assertThat(names(events)).containsExactly("accepted", "attempt", "filtered", "filtered", "done");
        assertThat(events.get(2).json().get("reason").asText()).contains("filtered");
        assertThat(events.get(4).json().get("images").asInt()).isZero();
        assertThat(events.get(4).json().get("filtered").asInt()).isEqualTo(2);
    }

    @Test
    void unknownJobsAndImagesAreProblem404s() {
        given().when().get("/v1/generations/gen_nope").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404)).body("instance", equalTo("/v1/generations/gen_nope"));
        given().accept("text/event-stream").when().get("/v1/generations/gen_nope/events").then().statusCode(404);
        given().when().get("/v1/images/" + "0".repeat(64)).then().statusCode(404)
                .contentType("application/problem+json");
    }

    private List<Event> runToEnd(String body) {
        try (SseClient sse = SseClient.post(base.resolve("/v1/generations"), body, Map.of())) {
            List<Event> events = sse.readAll(WAIT);
            assertThat(events.stream().filter(Event::terminal).count()).as("exactly one terminal event").isEqualTo(1);
            return events;
        }
    }

}
