package imagen.gateway.upstream;

import java.io.IOException;

import com.google.auth.oauth2.GoogleCredentials;

/**
 * Where the process's Google credentials come from. The default is Application Default
 * Credentials; tests provide a fake whose tokens they control.
 */
public interface CredentialsSource {

    /** Called once per process, on a worker thread; may block. */
    GoogleCredentials load() throws IOException;
}
