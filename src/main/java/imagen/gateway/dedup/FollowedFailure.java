package imagen.gateway.dedup;

import imagen.gateway.request.Problem;

/** The identical generation this one followed on another instance failed: its problem is this one's. */
public class FollowedFailure extends RuntimeException {

    private final Problem problem;

    public FollowedFailure(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
