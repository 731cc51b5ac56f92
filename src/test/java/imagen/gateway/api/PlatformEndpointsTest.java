package imagen.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class PlatformEndpointsTest {

    @Test
    void servesTheDemoPage() {
        given().when().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("studio.js"));
        given().when().get("/studio.js").then().statusCode(200).body(containsString("/v1/generations"))
                .body(containsString("/v1/models"));
    }

    @Test
    void probesAreUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'vertex-credentials' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'vertex-credentials' }.data.credentials",
                        equalTo("not needed: the upstream is the embedded simulator"));
        given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exposesPrometheusMetricsThatCountJobs() {
        double before = metric("imagen_jobs_finished_total{outcome=\"succeeded\"}");
        String id = given().contentType("application/json").accept("application/json")
                .body("{\"prompt\":\"metrics " + System.nanoTime() + "\",\"sampleCount\":1,\"seed\":3,\"addWatermark\":false}")
                .when().post("/v1/generations").then().statusCode(202).extract().path("id");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() -> given()
                .when().get("/v1/generations/" + id).then().body("status", equalTo("succeeded")));
        org.assertj.core.api.Assertions.assertThat(metric("imagen_jobs_finished_total{outcome=\"succeeded\"}"))
                .isEqualTo(before + 1);
        org.assertj.core.api.Assertions.assertThat(metric("imagen_jobs_kept")).isGreaterThanOrEqualTo(1);
    }

    /** A sample's value from the Prometheus page (0 when absent). */
    private static double metric(String sample) {
        String page = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : page.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    @Test
    void publishesOpenApiForThePublicApi() {
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body(containsString("/v1/generations"))
                .body(containsString("/v1/images/{digest}"))
                .body(containsString("GenerationRequest"));
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        given().when().get("/v1/nothing-here").then().statusCode(404);
        given().when().delete("/v1/generations").then().statusCode(405).contentType("application/problem+json");
    }
}
