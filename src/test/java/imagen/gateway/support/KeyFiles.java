package imagen.gateway.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A credentials file the gateway reads through {@code imagen.vertex.credentials-file}, and a
 * WireMock on 127.0.0.1 playing Google's OAuth token endpoint, which the service account keys
 * written here name as their {@code token_uri}. google-auth-library does the real work: parsing
 * the file, signing the JWT with the key, exchanging it at the token endpoint.
 *
 * <p>The metadata server and Google are never asked: with {@code imagen.vertex.credentials-file}
 * set, the gateway reads that file and nothing else (no Application Default Credentials search),
 * and the keys' token endpoint is this WireMock.
 *
 * <p>Init args: {@code file} = {@code missing} (default: a path in a fresh temporary directory,
 * not created), {@code garbage}, or {@code service-account}; {@code token} = {@code invalid_grant}
 * to have the token endpoint refuse every key from the start (default: it issues tokens). Tests
 * get this object in a field annotated {@link InjectKeyFiles}.
 */
public class KeyFiles implements QuarkusTestResourceLifecycleManager {

    /** The token endpoint's refusal of a deleted or revoked key, as Google words it. */
    public static final String INVALID_GRANT = """
            {"error":"invalid_grant","error_description":"Invalid JWT Signature."}""";
    public static final String CLIENT_EMAIL = "imagen-gateway@" + WireMockVertex.PROJECT + ".iam.gserviceaccount.com";

    /** Marks the {@link KeyFiles} field of a test. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectKeyFiles {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private WireMockServer tokenServer;
    private Path directory;
    private Path file;
    private String initialFile = "missing";
    private String initialToken = "issued";

    @Override
    public void init(Map<String, String> initArgs) {
        initialFile = initArgs.getOrDefault("file", initialFile);
        initialToken = initArgs.getOrDefault("token", initialToken);
    }

    @Override
    public Map<String, String> start() {
        tokenServer = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        tokenServer.start();
        try {
            directory = Files.createTempDirectory("imagen-creds-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        file = directory.resolve("absent").resolve("key.json");
        if ("invalid_grant".equals(initialToken)) {
            refuseTokens();
        } else {
            issueTokens("test-token-" + UUID.randomUUID());
        }
        switch (initialFile) {
            case "missing" -> {
            }
            case "garbage" -> write("this is not JSON {");
            case "service-account" -> writeServiceAccountKey();
            default -> throw new IllegalArgumentException("unknown file kind " + initialFile);
        }
        return Map.of("imagen.vertex.credentials-file", file.toString());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(this, new TestInjector.AnnotatedAndMatchesType(InjectKeyFiles.class, KeyFiles.class));
    }

    @Override
    public void stop() {
        if (tokenServer != null) {
            tokenServer.stop();
        }
        if (directory != null) {
            try (Stream<Path> paths = Files.walk(directory)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory
            }
        }
    }

    /** The path {@code imagen.vertex.credentials-file} names. */
    public Path file() {
        return file;
    }

    public WireMockServer tokenServer() {
        return tokenServer;
    }

    /** Writes {@code content} as the credentials file (creating its directory). */
    public void write(String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A well-formed service account key with a fresh RSA key, whose token endpoint is {@link #tokenServer()}. */
    public void writeServiceAccountKey() {
        write(serviceAccountKey(pem(newPrivateKey())).toString());
    }

    /** A service account key whose {@code private_key} is a PEM block of bytes that are no PKCS#8 key. */
    public String writeBrokenServiceAccountKey() {
        String body = Base64.getEncoder().encodeToString(("not a key " + UUID.randomUUID()).repeat(8)
                .getBytes(StandardCharsets.UTF_8));
        write(serviceAccountKey("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n").toString());
        return body;
    }

    /** From now on the token endpoint issues {@code token}, valid for an hour. */
    public void issueTokens(String token) {
        tokenServer.resetAll();
        tokenServer.stubFor(post(urlEqualTo("/token")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + token + "\",\"expires_in\":3600,\"token_type\":\"Bearer\"}")));
    }

    /** From now on the token endpoint refuses every key: 400 invalid_grant. */
    public void refuseTokens() {
        tokenServer.resetAll();
        tokenServer.stubFor(post(urlEqualTo("/token")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody(INVALID_GRANT)));
    }

    /** How many token requests the endpoint received since the last stub change. */
    public int tokenRequests() {
        return tokenServer.getAllServeEvents().size();
    }

    private ObjectNode serviceAccountKey(String privateKeyPem) {
        ObjectNode key = MAPPER.createObjectNode();
        key.put("type", "service_account");
        key.put("project_id", WireMockVertex.PROJECT);
        key.put("private_key_id", "test-key-" + UUID.randomUUID());
        key.put("private_key", privateKeyPem);
        key.put("client_email", CLIENT_EMAIL);
        key.put("client_id", "100000000000000000001");
        key.put("token_uri", "http://127.0.0.1:" + tokenServer.port() + "/token");
        return key;
    }

    private static byte[] newPrivateKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair().getPrivate().getEncoded();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(byte[] pkcs8) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n";
    }
}
