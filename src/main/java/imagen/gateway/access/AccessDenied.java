package imagen.gateway.access;

import java.util.Map;

import imagen.gateway.request.Problem;

/** A request refused for who sent it: 401, 403 or 429, with the headers that go with the answer. */
public final class AccessDenied extends RuntimeException {

    private final transient Problem problem;
    private final transient Map<String, String> headers;

    public AccessDenied(Problem problem, Map<String, String> headers) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
