package imagen.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.google.auth.Retryable;

import imagen.gateway.request.Problem;

/** How a failure to get credentials is worded and classified, without a running gateway. */
class CredentialsFailureTest {

    private static final Duration RETRY = Duration.ofSeconds(5);

    @Test
    void aConfigurationProblemIsNotRetryableAndNamesItsCause() {
        CredentialsException e = AdcAccessTokenProvider.cannotObtain("credentials file /k.json (imagen.vertex.credentials-file)",
                new IOException("the file does not exist"), RETRY);

        assertThat(e.httpStatus()).isEqualTo(503);
        assertThat(e.retryable()).isFalse();
        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.reason()).isEqualTo("the file does not exist");
        assertThat(e.getMessage()).isEqualTo("the gateway could not obtain Google credentials for Vertex AI from"
                + " credentials file /k.json (imagen.vertex.credentials-file): the file does not exist;"
                + " no request was sent to Vertex AI");
        Problem problem = e.toProblem("/v1/generations/x");
        assertThat(problem.type()).isEqualTo("urn:imagen-gateway:problem:upstream-credentials");
        assertThat(problem.title()).isEqualTo("Service Unavailable");
        assertThat(problem.vertexStatus()).isEqualTo("UNAUTHENTICATED");
        assertThat(problem.retryable()).isFalse();
        assertThat(problem.retryAfterMs()).isNull();
    }

    @Test
    void aTokenEndpointThatTimedOutOrRefusedTheConnectionIsWorthALaterRetry() {
        for (Throwable cause : new Throwable[] {new IOException("Error getting access token", new SocketTimeoutException("Read timed out")),
                new ConnectException("Connection refused"), new TransientAuthFailure()}) {
            CredentialsException e = AdcAccessTokenProvider.cannotObtain("Application Default Credentials", cause, RETRY);
            assertThat(e.retryable()).as(cause.toString()).isTrue();
            assertThat(e.retryAfter()).contains(RETRY);
        }
    }

    @Test
    void neverShowsKeyMaterialOrTokens() {
        String echoed = "bad key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
                + "-----END PRIVATE KEY-----\n and Bearer ya29.a0AfH6SMBsecret and " + "QUJD".repeat(20);
        String cleaned = AdcAccessTokenProvider.reason(new IOException(echoed));

        assertThat(cleaned).doesNotContain("MIIEvQIBADAN").doesNotContain("ya29.a0AfH6SMBsecret").doesNotContain("QUJDQUJD")
                .doesNotContain("\n").contains("[key material removed]");
        assertThat(AdcAccessTokenProvider.reason(new IOException("/var/run/secrets/imagen/key.json: permission denied")))
                .as("paths stay readable").isEqualTo("/var/run/secrets/imagen/key.json: permission denied");
    }

    @Test
    void aSyntaxErrorIsReportedByItsPlace() {
        assertThat(ApplicationDefaultCredentials.syntaxError("Use JsonReader.setStrictness(Strictness.LENIENT) to accept"
                + " malformed JSON at line 3 column 7 path $.type\nSee https://github.com/google/gson"))
                .isEqualTo("malformed at line 3 column 7 path $.type");
    }

    @Test
    void durationsAreSpeltAsTheConfigKeysAre() {
        assertThat(AdcAccessTokenProvider.text(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(AdcAccessTokenProvider.text(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(AdcAccessTokenProvider.text(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(AdcAccessTokenProvider.text(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(AdcAccessTokenProvider.text(Duration.ZERO)).isEqualTo("0s");
    }

    /** What google-auth-library throws for a token endpoint answering a transient status after its own retries. */
    private static final class TransientAuthFailure extends IOException implements Retryable {
        @Override
        public boolean isRetryable() {
            return true;
        }

        @Override
        public int getRetryCount() {
            return 3;
        }
    }
}
