package imagen.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What start-up says of a Vertex AI upstream, by how it was chosen. */
class StartupChecksTest {

    private static final List<String> LOCATIONS = List.of("us-central1");

    @Test
    void aProjectInheritedFromTheShellSaysWhereItCameFromAndHowToGoBack() {
        String notice = StartupChecks.vertexNotice(false, "my-proj", "GOOGLE_CLOUD_PROJECT", LOCATIONS, "adc", false);

        assertThat(notice).startsWith("upstream: Vertex AI, project my-proj from the environment variable GOOGLE_CLOUD_PROJECT")
                .contains("imagen.upstream is not set, so the project alone switched the upstream from the embedded"
                        + " simulator to Vertex AI")
                .contains("Cloud Shell sets one in every terminal")
                .contains("billed to my-proj and need Google credentials")
                .contains("set imagen.upstream=simulator (IMAGEN_UPSTREAM=simulator)")
                .contains("set imagen.upstream=vertex");
    }

    @Test
    void inCloudShellItSaysCloudShellSetIt() {
        String notice = StartupChecks.vertexNotice(false, "shell-proj", "GOOGLE_CLOUD_PROJECT", LOCATIONS, "adc", true);

        assertThat(notice).contains("from the environment variable GOOGLE_CLOUD_PROJECT (set by Cloud Shell)")
                .contains("Cloud Shell sets GOOGLE_CLOUD_PROJECT in every terminal")
                .contains("IMAGEN_UPSTREAM=simulator");
    }

    @Test
    void aConfiguredProjectIsNamedAsSuch() {
        String notice = StartupChecks.vertexNotice(false, "cfg-proj", "imagen.vertex.project", LOCATIONS, "adc", false);

        assertThat(notice).contains("project cfg-proj from imagen.vertex.project")
                .doesNotContain("inherited from the shell").contains("imagen.upstream=simulator");
    }

    @Test
    void anExplicitVertexUpstreamIsJustStated() {
        String notice = StartupChecks.vertexNotice(true, "p", "GOOGLE_CLOUD_PROJECT", LOCATIONS, "adc", false);

        assertThat(notice).isEqualTo("upstream: Vertex AI, project p from the environment variable GOOGLE_CLOUD_PROJECT,"
                + " locations [us-central1], auth adc (imagen.upstream=vertex)");
    }

    @Test
    void withoutCredentialsItDoesNotAskForThem() {
        assertThat(StartupChecks.vertexNotice(false, "p", "imagen.vertex.project", LOCATIONS, "none", false))
                .doesNotContain("need Google credentials");
    }
}
