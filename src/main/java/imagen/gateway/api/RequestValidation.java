package imagen.gateway.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.databind.JsonNode;

import imagen.gateway.request.CallOptions;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.InvalidRequestException;
import imagen.gateway.request.ModelCatalog;
import imagen.gateway.request.Problem;
import imagen.gateway.request.RequestRules;

/**
 * Every check of a request at once: each field's own range (Bean Validation) and the rules of its
 * model ({@link RequestRules}), so one 400 names every bad field; then its canonical form.
 */
@ApplicationScoped
public class RequestValidation {

    @Inject
    Validator validator;

    @Inject
    ModelCatalog catalog;

    /** The field errors of a request, each field named through {@code where} (the :predict paths). */
    public List<Problem.FieldError> errors(GenerationRequest request, UnaryOperator<String> where) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (ConstraintViolation<GenerationRequest> violation : validator.validate(request)) {
            errors.add(new Problem.FieldError(where.apply(ProblemMappers.field(violation.getPropertyPath())),
                    violation.getMessage()));
        }
        for (Problem.FieldError error : RequestRules.check(request, catalog)) {
            errors.add(new Problem.FieldError(where.apply(error.field()), error.message()));
        }
        errors.sort(Comparator.comparing(Problem.FieldError::field).thenComparing(Problem.FieldError::message));
        return errors;
    }

    /** The canonical form of a request of the public API, or a 400 naming every bad field. */
    public CanonicalRequest canonical(GenerationRequest request, CallOptions options) {
        List<Problem.FieldError> errors = errors(request, UnaryOperator.identity());
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(describe(errors), errors);
        }
        return canonical(request, Map.of(), options);
    }

    /** The canonical form of a request already checked. */
    public CanonicalRequest canonical(GenerationRequest request, Map<String, JsonNode> extras, CallOptions options) {
        return CanonicalRequest.of(request, catalog.model(request.model()).orElseThrow(), extras, options);
    }

    static String describe(List<Problem.FieldError> errors) {
        return errors.stream().map(err -> err.field() + " " + err.message()).collect(Collectors.joining("; "));
    }
}
