package imagen.gateway.cluster;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters of one instance: exact for a single instance; with several instances each enforces
 * the limits on its own.
 */
public final class MemoryQuotas implements QuotaCounters {

    /** Clients remembered at most; past it, clients idle since an earlier day are forgotten first. */
    private static final int MAX_CLIENTS = 100_000;

    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    private static final class Counter {
        long minute = -1;
        long requests;
        long day = -1;
        long images;
    }

    @Override
    public Window admit(String client, long requestLimit, long imageLimit, int maxImages, long nowMs) {
        if (counters.size() >= MAX_CLIENTS) {
            long today = nowMs / DAY_MS;
            counters.values().removeIf(c -> {
                synchronized (c) {
                    return c.day < today && c.minute < nowMs / MINUTE_MS;
                }
            });
        }
        Counter counter = counters.computeIfAbsent(client, c -> new Counter());
        long minute = nowMs / MINUTE_MS;
        long day = nowMs / DAY_MS;
        long minuteReset = (minute + 1) * MINUTE_MS - nowMs;
        long dayReset = (day + 1) * DAY_MS - nowMs;
        synchronized (counter) {
            if (counter.minute != minute) {
                counter.minute = minute;
                counter.requests = 0;
            }
            if (counter.day != day) {
                counter.day = day;
                counter.images = 0;
            }
            if (requestLimit >= 0 && counter.requests >= requestLimit) {
                return new Window(false, Exhausted.REQUESTS, counter.requests, counter.images, 0, day, minuteReset,
                        dayReset, false);
            }
            int granted = maxImages;
            if (imageLimit >= 0) {
                granted = (int) Math.min(maxImages, Math.max(0, imageLimit - counter.images));
                if (granted <= 0) {
                    return new Window(false, Exhausted.IMAGES, counter.requests, counter.images, 0, day, minuteReset,
                            dayReset, false);
                }
            }
            counter.requests++;
            counter.images += granted;
            return new Window(true, Exhausted.NONE, counter.requests, counter.images, granted, day, minuteReset,
                    dayReset, false);
        }
    }

    @Override
    public void refund(String client, long day, int images) {
        Counter counter = counters.get(client);
        if (counter == null || images <= 0) {
            return;
        }
        synchronized (counter) {
            if (counter.day == day) {
                counter.images = Math.max(0, counter.images - images);
            }
        }
    }
}
