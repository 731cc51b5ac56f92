package imagen.gateway.cluster;

/**
 * Per-client counters behind the quotas, decided on the event loop before a request's body is read: requests in fixed one-minute windows and images in UTC
 * days. Admission is one atomic step: the request is counted and up to {@code maxImages} of the
 * day's budget are reserved; what the request does not use is given back later.
 */
public interface QuotaCounters {

    long MINUTE_MS = 60_000;
    long DAY_MS = 86_400_000;

    /** No limit. */
    long UNLIMITED = -1;

    /**
     * Counts a request of {@code client} and reserves images: the smaller of {@code maxImages} and
     * what is left today. Refused when the minute's requests or the day's images are used up; a
     * refused request counts against neither.
     */
    Window admit(String client, long requestLimit, long imageLimit, int maxImages, long nowMs);

    /** Gives back {@code images} reserved on {@code day} (days since the epoch, UTC). */
    void refund(String client, long day, int images);

    /** One admission: granted or refused, and where each budget stands. */
    record Window(boolean allowed, Exhausted exhausted, long requests, long images, int granted, long day,
            long minuteResetMs, long dayResetMs, boolean shared) {
    }

    enum Exhausted {
        NONE, REQUESTS, IMAGES
    }
}
