package imagen.gateway.access;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

import imagen.gateway.config.GatewayConfig;
import imagen.gateway.request.Problem;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Verifies browser tokens ({@code imagen.tokens.*}) with SmallRye JWT: signature against the
 * configured key, {@code iss}, {@code aud}, {@code exp}, and a lifetime ({@code exp - iat}) of at
 * most {@code imagen.tokens.max-lifetime}. A token may narrow what its holder does: the
 * {@code imagen_models} claim lists the models it may use, and {@code imagen_quota}
 * ({@code requestsPerMinute}, {@code imagesPerDay}) sets its subject's own limits.
 */
@ApplicationScoped
public class TokenVerifier {

    private static final Logger LOG = Logger.getLogger(TokenVerifier.class);

    public static final String MODELS_CLAIM = "imagen_models";
    public static final String QUOTA_CLAIM = "imagen_quota";

    @Inject
    GatewayConfig config;

    @Inject
    JWTParser parser;

    private JWTAuthContextInfo context;

    @PostConstruct
    void init() {
        var tokens = config.tokens();
        if (tokens.issuer().isEmpty()) {
            return;
        }
        String key = tokens.verifyKey().orElseThrow(() -> new IllegalStateException(
                "imagen.tokens.issuer is set but imagen.tokens.verify-key is not: tokens cannot be verified"));
        context = new JWTAuthContextInfo(key, tokens.issuer().get());
        context.setExpectedAudience(Set.of(tokens.audience()));
        context.setMaxTimeToLiveSecs(tokens.maxLifetime().toSeconds());
        context.setRequiredClaims(Set.of("sub", "iat", "exp"));
        if (key.startsWith("http:") || key.startsWith("https:")) {
            // tokens are verified on the event loop, where fetching a key set would block
            throw new IllegalStateException("imagen.tokens.verify-key must be a file:, classpath: or inline key, not " + key);
        }
        LOG.infof("browser tokens: issuer %s, audience %s, lifetime at most %s", tokens.issuer().get(),
                tokens.audience(), tokens.maxLifetime());
    }

    public boolean enabled() {
        return context != null;
    }

    /** The token's client, or an {@link AccessDenied} 401 that says what is wrong with it. */
    public Client verify(String token, String instance) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token, context);
        } catch (ParseException e) {
            String reason = reason(e);
            LOG.debugf("%s: 401 %s", instance, reason);
            throw unauthorized(reason, instance);
        }
        Object quota = jwt.getClaim(QUOTA_CLAIM);
        Long rpm = null;
        Long ipd = null;
        if (quota instanceof JsonObject limits) {
            rpm = number(limits, "requestsPerMinute", instance);
            ipd = number(limits, "imagesPerDay", instance);
        } else if (quota != null) {
            throw unauthorized("the token's " + QUOTA_CLAIM + " claim must be an object", instance);
        }
        return Client.ofToken(jwt.getIssuer(), jwt.getSubject(), rpm, ipd, models(jwt.getClaim(MODELS_CLAIM), instance));
    }

    private static Set<String> models(Object claim, String instance) {
        if (claim == null) {
            return null;
        }
        Set<String> models = new LinkedHashSet<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                if (!(value instanceof JsonString text)) {
                    throw unauthorized("the token's " + MODELS_CLAIM + " claim must be an array of model ids", instance);
                }
                models.add(text.getString());
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(v -> models.add(String.valueOf(v)));
        } else if (claim instanceof JsonString text) {
            models.add(text.getString());
        } else {
            throw unauthorized("the token's " + MODELS_CLAIM + " claim must be an array of model ids", instance);
        }
        return Set.copyOf(models);
    }

    private static Long number(JsonObject limits, String name, String instance) {
        JsonValue value = limits.get(name);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value instanceof JsonNumber n && n.isIntegral() && n.longValue() >= 0) {
            return n.longValue();
        }
        throw unauthorized("the token's " + QUOTA_CLAIM + "." + name + " must be a non-negative integer", instance);
    }

    /** In plain words, never the token's claims or the library's codes. */
    private String reason(ParseException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException invalid) {
                if (invalid.hasExpired()) {
                    return "the token has expired";
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUER_INVALID) || invalid.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return "the token's issuer (iss) is not " + config.tokens().issuer().orElse("");
                }
                if (invalid.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || invalid.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return "the token's audience (aud) must be " + config.tokens().audience();
                }
                if (invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || invalid.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
                    return "the token's signature does not verify";
                }
                if (invalid.hasErrorCode(ErrorCodes.SUBJECT_MISSING)) {
                    return "the token has no subject (sub)";
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUED_AT_MISSING)) {
                    return "the token has no issue time (iat)";
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
                    return "the token is issued in the future (iat)";
                }
            }
            String message = t.getMessage();
            // SmallRye JWT's own check of exp - iat against the configured lifetime
            if (message != null && (message.contains("SRJWT07009") || message.contains("SRJWT07018"))) {
                return "the token lives longer than " + config.tokens().maxLifetime().toSeconds()
                        + " s (exp - iat): browser tokens must be short-lived";
            }
        }
        return "the token is not a valid signed JWT";
    }

    static AccessDenied unauthorized(String detail, String instance) {
        return new AccessDenied(Problem.of("unauthorized", 401, detail, instance),
                Map.of("WWW-Authenticate", "Bearer realm=\"imagen-gateway\", error=\"invalid_token\""));
    }
}
