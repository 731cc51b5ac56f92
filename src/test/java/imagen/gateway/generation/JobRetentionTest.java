package imagen.gateway.generation;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

@QuarkusTest
@TestProfile(JobRetentionTest.SmallRetention.class)
class JobRetentionTest {

    public static class SmallRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.jobs.max-jobs", "3", "imagen.jobs.ttl", "3s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void evictsOldestFinishedJobsBeyondTheBoundAndExpiresFinishedJobsAfterTheirTtl() {
        List<String> ids = new ArrayList<>();
        for (int seed = 1; seed <= 3; seed++) {
            String id = create(seed, Map.of());
            awaitStatus(id, "succeeded");
            ids.add(id);
        }
        String fourth = create(4, Map.of());
        given().when().get("/v1/generations/" + ids.get(0)).then().statusCode(404);
        given().when().get("/v1/generations/" + ids.get(1)).then().statusCode(200);
        awaitStatus(fourth, "succeeded");

        await().atMost(WAIT).untilAsserted(() -> {
            given().when().get("/v1/generations/" + ids.get(1)).then().statusCode(404);
            given().when().get("/v1/generations/" + fourth).then().statusCode(404);
        });
    }

    @Test
    void refusesNewJobsWith429WhenEveryKeptJobIsStillRunning() {
        // finished jobs of other tests may still be kept: they give way on demand, running ones never do
        List<String> running = new ArrayList<>();
        for (int seed = 10; seed < 13; seed++) {
            running.add(create(seed, Map.of("X-Simulator-Fault", "delay:4000")));
        }
        given().contentType(ContentType.JSON).accept(ContentType.JSON)
                .body("{\"prompt\":\"one too many\",\"sampleCount\":1,\"seed\":99,\"addWatermark\":false}")
                .when().post("/v1/generations")
                .then().statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", "1")
                .body("retryable", equalTo(true));
        running.forEach(id -> awaitStatus(id, "succeeded"));
    }

    private static String create(int seed, Map<String, String> headers) {
        return given().contentType(ContentType.JSON).accept(ContentType.JSON).headers(headers)
                .body("{\"prompt\":\"retention\",\"sampleCount\":1,\"seed\":" + seed + ",\"addWatermark\":false}")
                .when().post("/v1/generations").then().statusCode(202).extract().path("id");
    }

    private static void awaitStatus(String id, String status) {
        await().atMost(WAIT).untilAsserted(() -> given().when().get("/v1/generations/" + id)
                .then().statusCode(200).body("status", equalTo(status)));
    }
}
