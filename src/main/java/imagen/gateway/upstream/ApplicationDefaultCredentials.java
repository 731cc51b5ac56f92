package imagen.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.google.auth.oauth2.GoogleCredentials;

import imagen.gateway.config.GatewayConfig;
import io.quarkus.arc.DefaultBean;

/**
 * The gateway's Google credentials, scoped for Vertex AI: the JSON file named by
 * {@code imagen.vertex.credentials-file} when it is set (a key mounted into a container), else
 * Application Default Credentials: {@code GOOGLE_APPLICATION_CREDENTIALS}, gcloud's
 * {@code application_default_credentials.json}, then the metadata server (Cloud Run, GCE).
 *
 * <p>With a file configured, that file is all it reads: the ADC search, and with it the metadata
 * server, is never asked. The tests rely on this to use google-auth-library for real without ever
 * reaching Google.
 */
@ApplicationScoped
@DefaultBean
public class ApplicationDefaultCredentials implements CredentialsSource {

    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    private static final Pattern WHERE = Pattern.compile("line \\d+ column \\d+( path \\S+)?");

    @Inject
    GatewayConfig config;

    @Override
    public GoogleCredentials load() throws IOException {
        Optional<Path> file = file();
        GoogleCredentials credentials = file.isPresent() ? fromFile(file.get()) : GoogleCredentials.getApplicationDefault();
        return credentials.createScoped(SCOPE);
    }

    @Override
    public String origin() {
        return file().map(f -> "credentials file " + f + " (imagen.vertex.credentials-file)")
                .orElse("Application Default Credentials");
    }

    private Optional<Path> file() {
        return config.vertex().credentialsFile().filter(f -> !f.isBlank()).map(f -> Path.of(f.trim()));
    }

    /** The file's credentials; each way it can be wrong gets its own message ({@link #origin()} names the file). */
    static GoogleCredentials fromFile(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("it is a directory, not a credentials JSON file");
        }
        if (!Files.exists(file)) {
            throw new IOException("the file does not exist");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return GoogleCredentials.fromStream(in);
        } catch (AccessDeniedException e) {
            throw new IOException("the file is not readable by this process", e);
        } catch (IOException | RuntimeException e) {
            // the library's own words (a missing field, an unreadable private key); a syntax error by its place
            throw new IOException(e.getClass().getSimpleName().contains("Json") ? "the file is not valid JSON ("
                    + syntaxError(e.getMessage()) + ")" : "the file is not usable credentials JSON: " + e.getMessage(), e);
        }
    }

    /** Gson's "Use JsonReader.setStrictness(...) to accept malformed JSON at line 1 column 1 path $" → where. */
    static String syntaxError(String message) {
        Matcher where = WHERE.matcher(String.valueOf(message));
        return where.find() ? "malformed at " + where.group() : String.valueOf(message);
    }
}
