package imagen.gateway.upstream;

import java.io.IOException;

import com.google.auth.oauth2.GoogleCredentials;

/**
 * Where the process's Google credentials come from. The default reads {@code imagen.vertex.credentials-file}
 * when it is set, else Application Default Credentials; tests provide a fake whose tokens they control.
 */
public interface CredentialsSource {

    /**
     * The credentials, scoped for Vertex AI. Called on a worker thread at start, and again after a
     * failure to load them or to obtain a token from them; may block. Its message says why when it
     * fails (a missing file, a parse error), for operators and callers alike: never key material.
     */
    GoogleCredentials load() throws IOException;

    /** Where {@link #load()} looks, as an operator would fix it: a file and the key naming it, or ADC. */
    default String origin() {
        return "Application Default Credentials";
    }
}
