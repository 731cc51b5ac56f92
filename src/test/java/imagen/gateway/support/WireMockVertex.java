package imagen.gateway.support;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A fake Vertex AI on a dynamic port of 127.0.0.1, and the configuration that points the gateway
 * at it with {@code imagen.vertex.auth=none}. Test fields annotated {@link InjectWireMock} get the
 * server. Used through {@link WireMockVertexProfile}, so only the classes that ask for it see it.
 */
public class WireMockVertex implements QuarkusTestResourceLifecycleManager {

    public static final String PROJECT = "test-project";
    public static final String LOCATION = "us-central1";

    /** Marks the {@link WireMockServer} field of a test that stubs Vertex. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectWireMock {
    }

    private WireMockServer server;
    private String auth = "none";

    /** Init arg {@code auth}: {@code none} (default) or {@code adc}. */
    @Override
    public void init(Map<String, String> initArgs) {
        auth = initArgs.getOrDefault("auth", "none");
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        return Map.of(
                "imagen.upstream", "vertex",
                "imagen.vertex.project", PROJECT,
                "imagen.vertex.url", "http://127.0.0.1:" + server.port(),
                "imagen.vertex.auth", auth,
                "imagen.vertex.locations", LOCATION);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(server,
                new TestInjector.AnnotatedAndMatchesType(InjectWireMock.class, WireMockServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** {@code /v1/projects/test-project/locations/us-central1/publishers/google/models/{model}:predict} */
    public static String predictPath(String model) {
        return "/v1/projects/" + PROJECT + "/locations/" + LOCATION + "/publishers/google/models/" + model + ":predict";
    }
}
