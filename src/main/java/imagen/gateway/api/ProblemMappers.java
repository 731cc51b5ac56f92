package imagen.gateway.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import imagen.gateway.access.AccessDenied;
import imagen.gateway.generation.JobRegistry.TooManyJobsException;
import imagen.gateway.request.InvalidRequestException;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.UpstreamException;

/**
 * Every error the HTTP surface answers, as {@code application/problem+json} (RFC 9457), with
 * Google's envelope beside it on the Vertex-compatible paths. Client input never yields a 500: bad
 * JSON, unknown fields, wrong types and broken rules are 400s naming each field by its JSON path,
 * in plain words (never a Java type, a Jackson message or a stack trace). A client's mistake is
 * logged at DEBUG at most; ERROR is for the gateway's own failures.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : e.getConstraintViolations()) {
            String field = field(violation.getPropertyPath());
            if (field.isEmpty()) {
                // the body parameter itself: Quarkus reads an empty body (or a bare null) as no body
                return client(Problem.invalid("the body must be a JSON object; it is empty or null", List.of(),
                        path(uri)), uri);
            }
            errors.add(new Problem.FieldError(field, violation.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        return client(Problem.invalid(RequestValidation.describe(errors), errors, path(uri)), uri);
    }

    /**
     * What Jackson could not read, wherever it surfaces: thrown as is (wrong types, unknown fields)
     * or wrapped by Quarkus's reader in a bare 400 (syntax, encoding, numbers out of range, limits).
     */
    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e, UriInfo uri) {
        JsonErrors.Failure failure = JsonErrors.of(e);
        if (failure == null) {
            return unexpected(e, uri);
        }
        return client(failure.problem(path(uri)), uri);
    }

    /** Named apart so it takes precedence over Quarkus's own mapper for it (a bare 400). */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, UriInfo uri) {
        return unreadable(e, uri);
    }

    /** 401, 403 or 429 for who sent the request; a client's matter, logged at DEBUG. */
    @ServerExceptionMapper
    public Response denied(AccessDenied e, UriInfo uri) {
        LOG.debugf("%s: %d %s", path(uri), e.problem().status(), e.getMessage());
        Response.ResponseBuilder answer = Response.fromResponse(Problems.answer(e.problem(), path(uri)));
        e.headers().forEach(answer::header);
        return answer.build();
    }

    @ServerExceptionMapper
    public Response invalidPredict(VertexErrorBodies.InvalidVertexRequest e, UriInfo uri) {
        LOG.debugf("%s: 400 %s %s", path(uri), e.getMessage(), e.errors);
        return VertexErrorBodies.invalid(e, path(uri));
    }

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e, UriInfo uri) {
        return client(Problem.invalid(e.getMessage(), e.errors(), path(uri)), uri);
    }

    @ServerExceptionMapper
    public Response upstream(UpstreamException e, UriInfo uri) {
        return Problems.answer(e.toProblem(path(uri)), path(uri));
    }

    @ServerExceptionMapper
    public Response tooManyJobs(TooManyJobsException e, UriInfo uri) {
        return Problems.answer(Problem.unavailable("too-many-jobs", 429, e.getMessage(), path(uri), 1000), path(uri));
    }

    /** No resource method takes the request's Content-Type: name the one that is taken. */
    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e, UriInfo uri, HttpHeaders headers) {
        return client(Problems.unsupportedMediaType(headers.getHeaderString(HttpHeaders.CONTENT_TYPE), path(uri)), uri);
    }

    /**
     * The body could not be read to its end: the client went away or broke the framing. There is
     * nobody to answer, usually; this is the client's doing, not the gateway's.
     */
    @ServerExceptionMapper
    public Response bodyNotRead(IOException e, UriInfo uri) {
        LOG.debugf("%s: the request body could not be read (%s)", path(uri), e.getClass().getSimpleName());
        return client(Problem.invalid("the request body could not be read to its end", List.of(), path(uri)), uri);
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, UriInfo uri) {
        Response original = e.getResponse();
        int status = original.getStatus();
        // Quarkus's JSON reader wraps what the parser rejects (syntax, encoding, number range) in a bare 400.
        if (status == 400 && e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadable(unreadable, uri);
        }
        if (status >= 500) {
            LOG.error("request failed", e);
        }
        String detail = switch (status) {
            case 400 -> e.getCause() == null && e.getMessage() != null && !e.getMessage().startsWith("HTTP ")
                    ? e.getMessage() : "the request could not be read";
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 406 -> "cannot produce any of the accepted media types";
            case 413 -> "the request body is too large";
            case 415 -> "the request body must be " + Problems.ACCEPTED;
            default -> status >= 500 ? "the gateway failed to handle this request" : Problem.title(status).toLowerCase();
        };
        Response answer = Problems.answer(Problem.of(slug(status), status, detail, path(uri)), path(uri));
        String allow = original.getHeaderString("Allow");
        return allow == null ? answer : Response.fromResponse(answer).header("Allow", allow).build();
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.error("unexpected failure", e);
        return Problems.answer(Problem.of("internal", 500, "the gateway failed to handle this request", path(uri)),
                path(uri));
    }

    /** A 4xx: logged at DEBUG only, answered in the shape of the path. */
    private static Response client(Problem problem, UriInfo uri) {
        LOG.debugf("%s: %d %s", problem.instance(), problem.status(), problem.detail());
        return Problems.answer(problem, path(uri));
    }

    private static String slug(int status) {
        return Problem.title(status).toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }

    /**
     * A Bean Validation path as a JSON path: {@code create.body.outputOptions.mimeType} →
     * {@code outputOptions.mimeType}, {@code images[1].<list element>} → {@code images[1]}; empty
     * for the body itself.
     */
    static String field(Path path) {
        StringBuilder names = new StringBuilder();
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.PARAMETER
                    || node.getKind() == ElementKind.RETURN_VALUE || node.getKind() == ElementKind.CROSS_PARAMETER) {
                continue;
            }
            if (node.isInIterable() && node.getIndex() != null && names.length() > 0) {
                names.append('[').append(node.getIndex()).append(']');
            }
            if (node.getKind() == ElementKind.CONTAINER_ELEMENT || node.getKind() == ElementKind.BEAN
                    || node.getName() == null) {
                continue;
            }
            if (names.length() > 0) {
                names.append('.');
            }
            names.append(node.getName());
        }
        return names.toString();
    }
}
