package imagen.gateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Who calls: an API key, a browser token's subject, or everyone at once when the gateway
 * authenticates nobody. The id names the client in quotas, metrics and logs without revealing the
 * key or the subject: {@code key-<12 hex>} and {@code sub-<12 hex>} are digests.
 *
 * @param requestsPerMinute a token's own limit, or null
 * @param imagesPerDay a token's own limit, or null
 * @param models the models a token allows, or null for any
 */
public record Client(String id, Long requestsPerMinute, Long imagesPerDay, Set<String> models) {

    /** Everyone, when neither API keys nor tokens are configured. */
    public static final Client ANONYMOUS = new Client("anonymous", null, null, null);

    public static Client ofKey(String key) {
        return new Client("key-" + digest(key), null, null, null);
    }

    static Client ofToken(String issuer, String subject, Long requestsPerMinute, Long imagesPerDay, Set<String> models) {
        return new Client("sub-" + digest(issuer + '\n' + subject), requestsPerMinute, imagesPerDay, models);
    }

    public boolean mayUse(String model) {
        return models == null || models.contains(model);
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
