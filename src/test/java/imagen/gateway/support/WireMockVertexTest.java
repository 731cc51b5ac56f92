package imagen.gateway.support;

import java.net.URI;

import org.junit.jupiter.api.BeforeEach;

import com.github.tomakehurst.wiremock.WireMockServer;

import imagen.gateway.support.WireMockVertex.InjectWireMock;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * What every test against the WireMock Vertex shares: the server, the gateway's base URI, and a
 * server without stubs or recorded requests at the start of each test (before the subclass's own
 * {@code @BeforeEach}).
 */
public abstract class WireMockVertexTest {

    @InjectWireMock
    protected WireMockServer vertex;

    @TestHTTPResource("/")
    protected URI base;

    @BeforeEach
    protected void resetVertex() {
        vertex.resetAll();
    }
}
