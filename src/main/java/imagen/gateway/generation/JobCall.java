package imagen.gateway.generation;

import java.util.List;

import imagen.gateway.cluster.ImageStore.StoredImage;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.cluster.JobLogs;
import imagen.gateway.cluster.SharedImages;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.dedup.Call;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.RequestKey;
import imagen.gateway.upstream.UpstreamException;
import imagen.gateway.upstream.UpstreamListener;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** A job as the stages of its path see it: its request and key, and its log to write to. */
final class JobCall implements Call, UpstreamListener {

    private final Job job;
    private final CanonicalRequest request;
    private final String key;
    private final Events events;
    private final SharedImages images;
    private final JobLogs logs;
    private final TaggedCounters counters;

    JobCall(Job job, CanonicalRequest request, Events events, SharedImages images, JobLogs logs, TaggedCounters counters) {
        this.job = job;
        this.request = request;
        this.key = RequestKey.of(request);
        this.events = events;
        this.images = images;
        this.logs = logs;
        this.counters = counters;
    }

    @Override
    public CanonicalRequest request() {
        return request;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String jobId() {
        return job.id();
    }

    @Override
    public void accept(String cache) {
        if (job.accept(cache, events.accepted(job, cache))) {
            counters.get("imagen.cache.requests", "result", cache).increment();
        }
    }

    @Override
    public UpstreamListener listener() {
        return this;
    }

    @Override
    public void progress(JobEvent leaderEvent) {
        job.log(new Job.Entry(leaderEvent.type(), leaderEvent.json(), leaderEvent.digest()));
    }

    @Override
    public Multi<JobEvent> events(long afterId) {
        return job.stream(afterId);
    }

    @Override
    public Uni<Void> settled() {
        return job.whenFinished().chain(() -> logs.flushed(job.id()));
    }

    @Override
    public void onAttempt(int attempt, String location) {
        job.log(events.attempt(attempt, location));
    }

    @Override
    public void onRetry(int attempt, UpstreamException failure, long delayMs) {
        job.log(events.retry(attempt, failure, delayMs));
    }

    @Override
    public void onText(int index, String text) {
        job.log(events.text(index, text));
    }

    @Override
    public void onPreview(int index, String mimeType, byte[] data) {
        // stored by digest like any image, before the event names it
        StoredImage stored = images.putLocal(data, mimeType);
        images.share(List.of(stored)).subscribe().with(ok -> {
        }, failure -> {
        });
        job.log(events.preview(index, stored));
    }
}
