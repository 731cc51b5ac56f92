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
                .body(containsString("/v1/generations"));
    }

    @Test
    void probesAreUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void exposesPrometheusMetricsIncludingJobCounters() {
        given().contentType("application/json").accept("application/json")
                .body("{\"prompt\":\"metrics\",\"sampleCount\":1,\"seed\":3,\"addWatermark\":false}")
                .when().post("/v1/generations").then().statusCode(202);
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("imagen_jobs_kept"));
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
