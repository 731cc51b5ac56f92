package imagen.gateway.api;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.util.Optional;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import imagen.gateway.request.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The request body's limit ({@code quarkus.http.limits.max-body-size}) and type, answered as
 * problems before any of the body is parsed.
 *
 * <ul>
 * <li>A body announced larger by {@code Content-Length} is a 413 before a byte of it is read, ahead
 * of every other route.</li>
 * <li>A body of unannounced length (chunked) is read here, counted as it arrives: the first chunk
 * past the limit is answered with the 413, the rest is read and dropped, and the connection
 * closes ({@link #closeOnceDrained});
 * a body within the limit is handed to the resource as read. Left to Quarkus REST, such a body
 * went to a blocking stream that answered a bare 413 itself and then failed the request a second
 * time, once in the reader and once more writing the error, each with a stack trace.</li>
 * <li>A body without a {@code Content-Type}, or with a wildcard one, is a 415 naming
 * {@code application/json}, as a wrong type already is ({@link ProblemMappers#unsupported}):
 * JAX-RS matches such a request to any {@code @Consumes}. A {@code Content-Type} that does not
 * parse is a 415 too, before the matching fails on it.</li>
 * </ul>
 * The last two run as request filters: after the API key is checked and the request is matched to
 * a resource method (an unknown path or a wrong type is answered without reading the body), and
 * before Quarkus REST's own reading of the body.
 */
@Singleton
public class BodyLimitFilter {

    private static final Logger LOG = Logger.getLogger(BodyLimitFilter.class);
    private static final Uni<Response> CONTINUE = Uni.createFrom().nullItem();
    /** How long a refused body is still read and dropped after its 413 is written. */
    static final long LINGER_MS = 1_000;

    @Inject
    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::limit);
    }

    void limit(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodySize.asLongValue()) {
                    String path = context.request().path();
                    String body = Problems.json(Problems.tooLarge(maxBodySize.asLongValue(), path), path);
                    LOG.debugf("%s: 413, Content-Length %s", path, length);
                    HttpServerRequest http = context.request();
                    http.handler(discarded -> {
                    });
                    http.endHandler(end -> {
                        if (context.response().ended()) {
                            http.connection().close();
                        }
                    });
                    closeOnceDrained(context);
                    context.response().setStatusCode(413)
                            .putHeader("Content-Type", Problem.MEDIA_TYPE)
                            .putHeader("Connection", "close")
                            .end(body);
                    http.resume();
                    return;
                }
            } catch (NumberFormatException malformed) {
                // the HTTP layer rejects it
            }
        }
        context.next();
    }

    /**
     * Closes the connection of a refused body once its answer is written and the client has had
     * time to read it. The rest of the body is read and dropped meanwhile: closing a socket with
     * unread bytes resets the connection, and a client still sending then often loses the 413 to
     * the reset ("connection reset", "received no bytes") instead of reading it. A client that
     * finishes sending is closed on as soon as both are done (the caller's end handler closes when
     * the answer is already written); one that keeps sending is cut after
     * {@link #LINGER_MS}, as a lingering close does.
     */
    private void closeOnceDrained(RoutingContext context) {
        HttpServerRequest http = context.request();
        context.addEndHandler(written -> {
            if (http.isEnded()) {
                http.connection().close();
            } else {
                context.vertx().setTimer(LINGER_MS, late -> http.connection().close());
            }
        });
    }

    /**
     * A {@code Content-Type} that is no media type at all ({@code foo}) is a 415 here, before
     * matching: the matching would fail on it with a 500.
     */
    @ServerRequestFilter(preMatching = true, priority = 6000)
    public Optional<Response> refuseMalformedType(ContainerRequestContext request) {
        String type = request.getHeaderString(HttpHeaders.CONTENT_TYPE.toString());
        if (type == null) {
            return Optional.empty();
        }
        try {
            MediaType.valueOf(type);
            return Optional.empty();
        } catch (IllegalArgumentException notAMediaType) {
            String path = request.getUriInfo().getRequestUri().getRawPath();
            LOG.debugf("%s: 415, Content-Type is not a media type", path);
            return Optional.of(Problems.answer(Problems.unsupportedMediaType(type, path), path));
        }
    }

    /** A body without a JSON type, or one of unannounced length: see the class comment. */
    @ServerRequestFilter
    public Uni<Response> readUnannouncedBody(ContainerRequestContext request, RoutingContext context) {
        HttpServerRequest http = context.request();
        HttpMethod method = http.method();
        if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
            return CONTINUE;
        }
        String path = http.path();
        MediaType type = request.getMediaType();
        // matching takes a missing type, */* and application/* for application/json: only JSON is JSON
        if (type == null || !"application".equalsIgnoreCase(type.getType()) || !"json".equalsIgnoreCase(type.getSubtype())) {
            LOG.debugf("%s: 415, Content-Type %s", path, type);
            return Uni.createFrom().item(Problems.answer(Problems.unsupportedMediaType(
                    http.getHeader(HttpHeaders.CONTENT_TYPE), path), path));
        }
        if (http.getHeader(HttpHeaders.CONTENT_LENGTH) != null || http.isEnded()) {
            return CONTINUE;
        }
        long limit = maxBodySize.asLongValue();
        return Uni.createFrom().emitter(emitter -> {
            Buffer body = Buffer.buffer();
            boolean[] refused = {false};
            http.handler(chunk -> {
                if (refused[0]) {
                    return; // drained: see closeOnceDrained
                }
                if ((long) body.length() + chunk.length() > limit) {
                    refused[0] = true;
                    LOG.debugf("%s: 413 after %d bytes of a body without Content-Length", path,
                            (long) body.length() + chunk.length());
                    closeOnceDrained(context);
                    emitter.complete(Response.fromResponse(Problems.answer(Problems.tooLarge(limit, path), path))
                            .header(HttpHeaders.CONNECTION.toString(), "close").build());
                    return;
                }
                body.appendBuffer(chunk);
            });
            http.endHandler(end -> {
                if (!refused[0]) {
                    request.setEntityStream(new ByteArrayInputStream(body.getBytes()));
                    emitter.complete(null);
                } else if (context.response().ended()) {
                    http.connection().close();
                }
            });
            http.exceptionHandler(failure -> {
                if (!refused[0]) {
                    refused[0] = true;
                    emitter.fail(new EOFException("the body ended early: " + failure.getClass().getSimpleName()));
                }
            });
            if ("100-continue".equalsIgnoreCase(http.getHeader(HttpHeaders.EXPECT))) {
                http.response().writeContinue();
            }
            http.resume();
        });
    }
}
