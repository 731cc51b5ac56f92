package imagen.gateway.generation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;

/** Cross-field and configuration-dependent rules of a {@link GenerationRequest}. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = GenerationRequestValidator.class)
public @interface ValidGenerationRequest {
    String message() default "invalid generation request";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
