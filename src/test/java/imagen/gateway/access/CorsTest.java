package imagen.gateway.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** imagen.cors.origins over HTTP: the preflight, a cross-origin POST and event stream, and a refused origin. */
@QuarkusTest
@TestProfile(CorsTest.WithOrigins.class)
class CorsTest {

    static final String APP = "https://app.example.test";

    public static class WithOrigins implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.cors.enabled", "true", "imagen.cors.origins", APP);
        }
    }

    @Test
    void thePreflightAllowsTheAppsOrigin() {
        given().header("Origin", APP).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,authorization")
                .when().options("/v1/generations").then().statusCode(200)
                .header("Access-Control-Allow-Origin", APP)
                .header("Access-Control-Allow-Methods", containsString("POST"))
                .header("Access-Control-Allow-Headers", containsString("authorization"))
                .header("Access-Control-Max-Age", "3600");
    }

    @Test
    void aCrossOriginPostAndItsEventStreamExposeWhatAPageReads() {
        String events = given().header("Origin", APP).contentType(ContentType.JSON)
                .body("{\"prompt\":\"cors\",\"sampleCount\":1,\"seed\":4242,\"addWatermark\":false}")
                .when().post("/v1/generations").then().statusCode(202)
                .header("Access-Control-Allow-Origin", APP)
                .header("Access-Control-Expose-Headers", containsString("Location"))
                .header("Access-Control-Expose-Headers", containsString("RateLimit"))
                .extract().path("events");
        given().header("Origin", APP).accept("text/event-stream").when().get(events).then().statusCode(200)
                .header("Access-Control-Allow-Origin", APP)
                .body(containsString("event:done"));
    }

    @Test
    void anOriginOffTheListIsRefused() {
        given().header("Origin", "https://evil.example.test").header("Access-Control-Request-Method", "POST")
                .when().options("/v1/generations").then()
                .header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "https://evil.example.test").contentType(ContentType.JSON)
                .body("{\"prompt\":\"cors\",\"sampleCount\":1}").when().post("/v1/generations")
                .then().statusCode(403).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void theStudioOnItsOwnOriginStillWorks() {
        given().when().get("/").then().statusCode(200);
        given().header("Origin", "http://localhost:" + io.restassured.RestAssured.port).contentType(ContentType.JSON)
                .body("{\"prompt\":\"same origin\",\"sampleCount\":1,\"seed\":4243,\"addWatermark\":false}").when().post("/v1/generations")
                .then().statusCode(202).body("status", equalTo("running"));
    }
}
