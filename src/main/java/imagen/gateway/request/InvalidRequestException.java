package imagen.gateway.request;

import java.util.List;

/** A request that breaks the rules: every bad field at once, answered as a 400 problem. */
public class InvalidRequestException extends RuntimeException {

    private final List<Problem.FieldError> errors;

    public InvalidRequestException(String detail, List<Problem.FieldError> errors) {
        super(detail, null, false, false);
        this.errors = List.copyOf(errors);
    }

    public List<Problem.FieldError> errors() {
        return errors;
    }
}
