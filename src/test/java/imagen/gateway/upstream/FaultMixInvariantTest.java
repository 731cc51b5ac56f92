package imagen.gateway.upstream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import imagen.gateway.generation.Job;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.generation.JobRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * 1,000 generations against a randomized fault mix: every job ends with exactly one terminal
 * event, none is stuck or lost, and the attempt, retry and upstream-call counts agree.
 */
@QuarkusTest
@TestProfile(FaultMixInvariantTest.Mix.class)
class FaultMixInvariantTest {

    public static class Mix implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "imagen.resilience.attempt-timeout", "1s",
                    "imagen.resilience.initial-backoff", "5ms",
                    "imagen.resilience.max-backoff", "40ms",
                    "imagen.resilience.max-server-wait", "100ms",
                    "imagen.resilience.bulkhead.max-concurrent", "200",
                    "imagen.resilience.bulkhead.queue", "2000",
                    "imagen.vertex.locations", "us-central1,europe-west4,asia-northeast1",
                    // a flaky upstream (≈37 % faults), not a down one: breakers should stay closed
                    "imagen.resilience.breaker.failure-ratio", "0.75",
                    "imagen.simulator.latency", "20ms");
        }
    }

    private static final Logger LOG = Logger.getLogger(FaultMixInvariantTest.class);
    private static final int JOBS = 1000;

    @Inject
    JobRegistry jobs;

    @Inject
    Guards vertex;

    @Inject
    MeterRegistry metrics;

    @Test
    void everyJobEndsWithExactlyOneTerminalEventAndTheCountsAddUp() throws Exception {
        vertex.resetBreakers();
        Random random = new Random(20261124);
        double callsBefore = metrics.counter("imagen.simulator.requests").count();
        List<String> ids = new ArrayList<>(JOBS);
        for (int i = 0; i < JOBS; i++) {
            ids.add(given().contentType(ContentType.JSON).accept(ContentType.JSON)
                    .header("X-Simulator-Fault", faults(random))
                    .body("{\"prompt\":\"fault mix\",\"sampleCount\":1,\"seed\":" + (i + 1)
                            + ",\"addWatermark\":false,\"storageUri\":\"gs://mix/out/\"}")
                    .when().post("/v1/generations").then().statusCode(202).extract().path("id"));
        }

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> ids.stream().allMatch(id -> jobs.get(id).map(Job::finished).orElse(false)));

        int attempts = 0;
        int retries = 0;
        int succeeded = 0;
        int failed = 0;
        for (String id : ids) {
            Job job = jobs.get(id).orElseThrow(() -> new AssertionError("job lost: " + id));
            List<JobEvent> events = job.events();
            assertThat(events.stream().filter(JobEvent::terminal)).as("terminal events of " + id).hasSize(1);
            assertThat(events.get(events.size() - 1).terminal()).as("terminal event is last in " + id).isTrue();
            assertThat(events.get(0).type()).isEqualTo(JobEvent.ACCEPTED);
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).id()).isEqualTo(i + 1L);
            }
            int jobAttempts = (int) events.stream().filter(e -> e.type().equals(JobEvent.ATTEMPT)).count();
            int jobRetries = (int) events.stream().filter(e -> e.type().equals(JobEvent.RETRY)).count();
            assertThat(jobAttempts).isBetween(0, 4);
            JobEvent last = events.get(events.size() - 1);
            if (last.type().equals(JobEvent.DONE)) {
                succeeded++;
                assertThat(jobRetries).isEqualTo(jobAttempts - 1);
                assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(last.json()).get("attempts").asInt()).isEqualTo(jobAttempts);
            } else {
                failed++;
                assertThat(jobRetries).isBetween(Math.max(0, jobAttempts - 1), jobAttempts);
            }
            attempts += jobAttempts;
            retries += jobRetries;
        }
        long upstreamCalls = Math.round(metrics.counter("imagen.simulator.requests").count() - callsBefore);
        LOG.infof("fault mix: %d jobs, %d succeeded, %d failed, %d attempts, %d retries, %d upstream calls",
                JOBS, succeeded, failed, attempts, retries, upstreamCalls);
        assertThat(succeeded + failed).isEqualTo(JOBS);
        assertThat(upstreamCalls).as("every attempt is one upstream call").isEqualTo(attempts);
        assertThat(succeeded).as("most jobs survive the mix").isGreaterThan(JOBS * 8 / 10);
    }

    /** One fault per attempt: ≈30 % 5xx, 10 % 429 with RetryInfo, 5 % resets, 2 % stalls, the rest fine. */
    private static String faults(Random random) {
        StringJoiner joiner = new StringJoiner(",");
        for (int attempt = 0; attempt < 4; attempt++) {
            double roll = random.nextDouble();
            if (roll < 0.30) {
                joiner.add(List.of("500", "502", "503", "504").get(random.nextInt(4)));
            } else if (roll < 0.40) {
                joiner.add("429:0.05s");
            } else if (roll < 0.45) {
                joiner.add("reset");
            } else if (roll < 0.47) {
                joiner.add("timeout");
            } else {
                joiner.add("ok");
            }
        }
        return joiner.toString();
    }
}
