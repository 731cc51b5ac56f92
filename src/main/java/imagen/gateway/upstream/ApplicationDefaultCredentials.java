package imagen.gateway.upstream;

import java.io.IOException;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.auth.oauth2.GoogleCredentials;

import io.quarkus.arc.DefaultBean;

/**
 * Application Default Credentials: the metadata server on Cloud Run, {@code GOOGLE_APPLICATION_CREDENTIALS}
 * locally, or gcloud's user credentials; scoped for Vertex AI.
 */
@ApplicationScoped
@DefaultBean
public class ApplicationDefaultCredentials implements CredentialsSource {

    private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    @Override
    public GoogleCredentials load() throws IOException {
        return GoogleCredentials.getApplicationDefault().createScoped(SCOPE);
    }
}
