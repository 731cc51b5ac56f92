package imagen.gateway.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import imagen.gateway.generation.JobRegistry.TooManyJobsException;
import imagen.gateway.request.InvalidRequestException;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.UpstreamException;

/**
 * Every error the HTTP surface answers, as {@code application/problem+json} (RFC 9457). Client
 * input never yields a 500: bad JSON, unknown fields, wrong types and broken rules are 400s naming
 * each field.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e, UriInfo uri) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<?> violation : e.getConstraintViolations()) {
            errors.add(new Problem.FieldError(field(violation.getPropertyPath()), violation.getMessage()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        String detail = errors.stream().map(err -> err.field() + " " + err.message()).collect(Collectors.joining("; "));
        return Problems.response(Problem.invalid(detail, errors, path(uri)));
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, UriInfo uri) {
        String field = jsonPath(e);
        return Problems.response(Problem.invalid("unknown field '" + field + "'",
                List.of(new Problem.FieldError(field, "is not a known field")), path(uri)));
    }

    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e, UriInfo uri) {
        String field = jsonPath(e);
        if (field.isEmpty() && e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token")) {
            return Problems.response(Problem.invalid("trailing content after the JSON object", List.of(), path(uri)));
        }
        if (field.isEmpty()) {
            return Problems.response(Problem.invalid("the body must be a JSON object", List.of(), path(uri)));
        }
        String expected = e.getTargetType() == null ? "a different type" : typeName(e.getTargetType());
        String got = e instanceof InvalidFormatException ife ? " (got " + ife.getValue() + ")" : "";
        return Problems.response(Problem.invalid(field + " must be " + expected + got,
                List.of(new Problem.FieldError(field, "must be " + expected)), path(uri)));
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e, UriInfo uri) {
        return unparsable(e, "", uri);
    }

    /** Bad syntax, invalid UTF-8, a number too large for its field (named when known). */
    private static Response unparsable(StreamReadException e, String knownField, UriInfo uri) {
        if (e instanceof InputCoercionException && !knownField.isEmpty()) {
            return Problems.response(Problem.invalid(knownField + " is out of range: " + e.getOriginalMessage(),
                    List.of(new Problem.FieldError(knownField, "is out of range")), path(uri)));
        }
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return Problems.response(Problem.invalid("malformed JSON" + where + ": " + e.getOriginalMessage(), List.of(),
                path(uri)));
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e, UriInfo uri) {
        return Problems.response(Problem.invalid("the body is not valid JSON for this endpoint: "
                + e.getOriginalMessage(), List.of(), path(uri)));
    }

    @ServerExceptionMapper
    public Response invalidPredict(VertexErrorBodies.InvalidVertexRequest e, UriInfo uri) {
        return VertexErrorBodies.invalid(e, path(uri));
    }

    @ServerExceptionMapper
    public Response invalidRequest(InvalidRequestException e, UriInfo uri) {
        return Problems.response(Problem.invalid(e.getMessage(), e.errors(), path(uri)));
    }

    @ServerExceptionMapper
    public Response upstream(UpstreamException e, UriInfo uri) {
        return Problems.response(e.toProblem(path(uri)));
    }

    @ServerExceptionMapper
    public Response tooManyJobs(TooManyJobsException e, UriInfo uri) {
        return Problems.response(Problem.unavailable("too-many-jobs", 429, e.getMessage(), path(uri), 1000));
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, UriInfo uri) {
        Response original = e.getResponse();
        int status = original.getStatus();
        // Quarkus's JSON reader wraps what the parser rejects (syntax, encoding, number range) in a bare 400.
        if (status == 400 && e.getCause() instanceof JsonProcessingException unreadable) {
            StreamReadException parse = parseFailure(unreadable);
            if (parse == null) {
                return unreadable(unreadable, uri);
            }
            String field = unreadable instanceof JsonMappingException mapping ? jsonPath(mapping) : "";
            return unparsable(parse, field, uri);
        }
        if (status >= 500) {
            LOG.error("request failed", e);
        }
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 406 -> "cannot produce any of the accepted media types";
            case 413 -> "the request body is too large";
            case 415 -> "unsupported content type; send application/json";
            default -> e.getMessage();
        };
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(slug(status), status, detail, path(uri)));
        String allow = original.getHeaderString("Allow");
        if (allow != null) {
            builder.header("Allow", allow);
        }
        return builder.build();
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.error("unexpected failure", e);
        return Problems.response(Problem.of("internal", 500, "the gateway failed to handle this request", path(uri)));
    }

    private static String slug(int status) {
        return Problem.title(status).toLowerCase().replaceAll("[^a-z0-9]+", "-");
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }

    /** {@code create.body.outputOptions.mimeType} → {@code outputOptions.mimeType}. */
    static String field(Path path) {
        List<String> names = new ArrayList<>();
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.PARAMETER
                    || node.getKind() == ElementKind.BEAN || node.getName() == null) {
                continue;
            }
            names.add(node.getName());
        }
        return names.isEmpty() ? "body" : String.join(".", names);
    }

    private static String jsonPath(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The parser's own failure inside databind's wrapping, if that is what went wrong. */
    private static StreamReadException parseFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException parse) {
                return parse;
            }
        }
        return null;
    }

    private static String typeName(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return "an object";
    }
}
