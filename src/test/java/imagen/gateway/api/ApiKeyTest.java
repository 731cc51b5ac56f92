package imagen.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

@QuarkusTest
@TestProfile(ApiKeyTest.WithKeys.class)
class ApiKeyTest {

    public static class WithKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("imagen.api-keys", "key-one,key-two");
        }
    }

    private static final String BODY = "{\"prompt\":\"keys\",\"sampleCount\":1,\"seed\":1,\"addWatermark\":false}";

    @Test
    void rejectsCallsWithoutAValidKey() {
        given().contentType(ContentType.JSON).body(BODY).when().post("/v1/generations")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer realm=\"imagen-gateway\"")
                .body("detail", equalTo("an API key is required"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer wrong").body(BODY)
                .when().post("/v1/generations").then().statusCode(401)
                .body("detail", equalTo("the API key is not valid"));
    }

    @Test
    void acceptsEveryDocumentedWayOfPresentingAKey() {
        given().contentType(ContentType.JSON).header("Authorization", "Bearer key-one").body(BODY)
                .when().post("/v1/generations").then().statusCode(202);
        given().contentType(ContentType.JSON).header("x-goog-api-key", "key-two").body(BODY)
                .when().post("/v1/generations").then().statusCode(202);
        given().contentType(ContentType.JSON).header("X-API-Key", "key-one").body(BODY)
                .when().post("/v1/generations").then().statusCode(202);
        given().contentType(ContentType.JSON).queryParam("key", "key-two").body(BODY)
                .when().post("/v1/generations").then().statusCode(202);
    }

    @Test
    void leavesProbesAndTheDemoPageOpen() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/").then().statusCode(200);
    }
}
