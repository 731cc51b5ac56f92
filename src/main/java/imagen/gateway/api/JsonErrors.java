package imagen.gateway.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import imagen.gateway.config.JacksonConfig;
import imagen.gateway.request.Problem;

/**
 * What a body Jackson could not read means, in the client's terms: the JSON path of the offending
 * value ({@code parameters.sampleCount}, {@code instances[0].prompt}, {@code images[1].data}) with a
 * plain message, or, when the body is not JSON at all, where the parser stopped. Jackson's own
 * text names Java classes and configuration; none of it is passed on.
 */
final class JsonErrors {

    private JsonErrors() {
    }

    /**
     * One failure. {@code field} is the JSON path, empty when the body as a whole is at fault
     * (malformed, not an object, too deep): those name a line and column in the message instead.
     */
    record Failure(String field, String message) {

        boolean aboutTheBody() {
            return field.isEmpty();
        }

        String detail() {
            return aboutTheBody() ? message : field + " " + message;
        }

        List<Problem.FieldError> errors() {
            return aboutTheBody() ? List.of() : List.of(new Problem.FieldError(field, message));
        }

        /** The same failure with its path rewritten ({@code sampleCount} → {@code parameters.sampleCount}). */
        Failure at(UnaryOperator<String> where) {
            return aboutTheBody() ? this : new Failure(where.apply(field), message);
        }

        Problem problem(String instance) {
            return Problem.invalid(detail(), errors(), instance);
        }
    }

    /**
     * The failure behind a read that failed, or {@code null} when the exception is not about the
     * input (a type the gateway cannot bind: its own fault).
     */
    static Failure of(JsonProcessingException e) {
        if (e instanceof InvalidDefinitionException) {
            return null;
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return new Failure(path(unknown), "is not a known field");
        }
        if (e instanceof InvalidFormatException invalid) {
            Class<?> target = invalid.getTargetType();
            if (path(invalid).isEmpty()) {
                return new Failure("", "the body must be a JSON object");
            }
            return new Failure(path(invalid), target == byte[].class ? "must be base64" : "must be " + expected(target));
        }
        if (e instanceof MismatchedInputException mismatch) {
            String field = path(mismatch);
            if (!field.isEmpty()) {
                return new Failure(field, "must be " + expected(mismatch.getTargetType()));
            }
            if (String.valueOf(mismatch.getOriginalMessage()).startsWith("Trailing token")) {
                return new Failure("", "the body has content after the JSON value" + at(mismatch.getLocation()));
            }
            return new Failure("", "the body must be a JSON object");
        }
        if (e instanceof JsonMappingException mapping) {
            String field = path(mapping);
            JsonProcessingException parse = parseCause(mapping);
            if (parse == null) {
                return field.isEmpty() ? new Failure("", "the body is not a valid request")
                        : new Failure(field, "has an invalid value");
            }
            // a value the parser could not take, inside a field databind names: the field is the better name
            return !field.isEmpty() && isValueProblem(parse) ? new Failure(field, valueMessage(parse)) : ofParse(parse);
        }
        return ofParse(e);
    }

    private static String valueMessage(JsonProcessingException e) {
        return isUtf8(e) ? "is not valid UTF-8" : "is out of range";
    }

    /** Failures about one value (its number, its encoding), as opposed to the body's syntax. */
    private static boolean isValueProblem(JsonProcessingException e) {
        return e instanceof InputCoercionException || isUtf8(e) || isNumberLimit(e);
    }

    /** The streaming parser's own failures: syntax, encoding, limits, duplicate keys, numbers beyond a Java type. */
    private static Failure ofParse(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            if (isNumberLimit(e)) {
                return new Failure("", "a number in the body is out of range" + at(e.getLocation()));
            }
            if (String.valueOf(e.getOriginalMessage()).contains("nesting depth")) {
                return new Failure("", "the JSON nests deeper than " + JacksonConfig.MAX_NESTING_DEPTH + " levels");
            }
            return new Failure("", "the JSON exceeds the gateway's limits for a request body");
        }
        if (e instanceof InputCoercionException coercion) {
            String field = contextPath(coercion);
            return field.isEmpty() ? new Failure("", "a number in the body is out of range" + at(e.getLocation()))
                    : new Failure(field, "is out of range");
        }
        if (e instanceof JsonEOFException || String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
            return new Failure("", "malformed JSON" + at(e.getLocation()) + ": the body ends before the JSON is complete");
        }
        if (e instanceof StreamReadException parse) {
            if (String.valueOf(parse.getOriginalMessage()).startsWith("Duplicate field")) {
                return new Failure(contextPath(parse), "is given more than once");
            }
            if (isUtf8(parse)) {
                JsonParser parser = parse.getProcessor();
                String field = parser != null && parser.currentToken() == JsonToken.VALUE_STRING ? contextPath(parse) : "";
                return field.isEmpty() ? new Failure("", "the body is not valid UTF-8" + at(parse.getLocation()))
                        : new Failure(field, "is not valid UTF-8");
            }
        }
        return new Failure("", "malformed JSON" + at(e.getLocation()));
    }

    private static boolean isNumberLimit(JsonProcessingException e) {
        return e instanceof StreamConstraintsException && String.valueOf(e.getOriginalMessage()).startsWith("Number");
    }

    private static boolean isUtf8(JsonProcessingException e) {
        return e instanceof StreamReadException && String.valueOf(e.getOriginalMessage()).startsWith("Invalid UTF-8");
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + " column " + location.getColumnNr();
    }

    private static JsonProcessingException parseCause(Throwable e) {
        for (Throwable t = e.getCause(); t != null && t != e; t = t.getCause()) {
            if (t instanceof StreamReadException || t instanceof StreamConstraintsException) {
                return (JsonProcessingException) t;
            }
        }
        return null;
    }

    /** {@code [outputOptions, mimeType]} → {@code outputOptions.mimeType}; {@code [images, 1, data]} → {@code images[1].data}. */
    static String path(JsonMappingException e) {
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

    /** The path of the value the streaming parser was on when it failed. */
    private static String contextPath(StreamReadException e) {
        JsonParser parser = e.getProcessor();
        if (parser == null) {
            return "";
        }
        Deque<String> segments = new ArrayDeque<>();
        for (JsonStreamContext context = parser.getParsingContext(); context != null && !context.inRoot();
                context = context.getParent()) {
            if (context.inArray()) {
                segments.push("[" + Math.max(0, context.getCurrentIndex()) + "]");
            } else if (context.getCurrentName() != null) {
                segments.push("." + context.getCurrentName());
            }
        }
        String path = String.join("", segments);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    /** What a Java target type is called in JSON. */
    static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == Byte.class || type == byte.class
                || type == BigInteger.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class
                || type == BigDecimal.class || type == Number.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == byte[].class) {
            return "a base64 string";
        }
        if (CharSequence.class.isAssignableFrom(type) || type.isEnum() || type == Character.class
                || type == char.class) {
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "an object";
    }
}
