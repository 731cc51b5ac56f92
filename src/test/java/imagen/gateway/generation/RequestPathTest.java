package imagen.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.cluster.ImageStore;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.cluster.Memory;
import imagen.gateway.config.TaggedCounters;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.dedup.Stage;
import imagen.gateway.request.CanonicalRequest;
import imagen.gateway.request.GenerationRequest;
import imagen.gateway.request.ImagenDefaults;
import imagen.gateway.request.ModelSpec;
import imagen.gateway.request.Problem;
import imagen.gateway.request.Protocol;
import imagen.gateway.upstream.GenerationResult;
import imagen.gateway.upstream.GenerationResult.Image;
import imagen.gateway.upstream.Upstream;
import imagen.gateway.upstream.UpstreamException;
import imagen.gateway.upstream.UpstreamListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * The request path ({@link GenerationService#stack}) with in-process ports and an upstream that
 * answers when the test says: coalescing and caching decided with no timing margins.
 */
class RequestPathTest {

    private static final ModelSpec IMAGEN = new ModelSpec("imagen-4.0-generate-001", Protocol.IMAGEN, Optional.empty(),
            Optional.empty(), ImagenDefaults.ASPECT_RATIOS, List.of("1K", "2K"), List.of(), false, List.of());
    private static final int IMAGE_BYTES = 1000;

    private final ObjectMapper mapper = new ObjectMapper();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final ImageStore store = new ImageStore(4 * (IMAGE_BYTES + 160L), Duration.ofHours(1), metrics);
    private final Memory.Images images = new Memory.Images(store);
    private final Memory.Results results = new Memory.Results(Duration.ofHours(1), 100);
    private final Memory.Logs logs = new Memory.Logs();
    private final FakeUpstream upstream = new FakeUpstream();
    private final Stage path = GenerationService.stack(results, images, new Memory.Locks(), logs, Duration.ofMinutes(1),
            false, upstream);
    private final Events events = new Events(mapper);
    private final TaggedCounters counters = new TaggedCounters(metrics);
    private final AtomicInteger ids = new AtomicInteger();

    @Test
    void coalescesIdenticalSeededRequestsOntoOneUpstreamCall() {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            jobs.add(submit(seeded("boat", 2)));
        }
        assertThat(upstream.calls).hasSize(1);
        assertThat(jobs).extracting(Job::cache).containsExactly("miss", "coalesced", "coalesced", "coalesced", "coalesced");

        upstream.calls.get(0).answer(images(0, 2));

        assertThat(jobs).allMatch(job -> job.status() == Job.Status.SUCCEEDED);
        List<String> digests = digests(jobs.get(0));
        assertThat(digests).hasSize(2);
        assertThat(jobs).allMatch(job -> digests(job).equals(digests));
        assertThat(jobs.subList(1, 5)).allMatch(job -> done(job).get("cache").asText().equals("coalesced"));
    }

    @Test
    void everyRequestAfterTheResultIsStoredIsAHit() {
        Job first = submit(seeded("lighthouse", 1));
        upstream.calls.get(0).answer(images(0, 1));
        List<Job> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            later.add(submit(seeded("lighthouse", 1)));
        }
        assertThat(later).extracting(Job::cache).containsOnly("hit");
        assertThat(upstream.calls).hasSize(1);
        assertThat(later).allMatch(job -> digests(job).equals(digests(first)));
        assertThat(done(later.get(0)).get("attempts").asInt()).isZero();
    }

    @Test
    void aResultWhoseImagesWereEvictedIsNoHit() {
        submit(seeded("harbour", 1));
        upstream.calls.get(0).answer(images(0, 1));
        // four other images fill the store and push the first one out
        submit(seeded("other", 4));
        upstream.calls.get(1).answer(images(100, 4));

        Job again = submit(seeded("harbour", 1));
        assertThat(again.cache()).isEqualTo("miss");
        assertThat(upstream.calls).hasSize(3);
    }

    @Test
    void unseededRequestsAreNeverShared() {
        Job one = submit(request("{\"prompt\":\"boat\",\"sampleCount\":1}"));
        Job two = submit(request("{\"prompt\":\"boat\",\"sampleCount\":1}"));
        assertThat(upstream.calls).hasSize(2);
        assertThat(List.of(one.cache(), two.cache())).containsOnly("miss");
    }

    @Test
    void failuresAreNeverCachedAndFollowersShareThem() {
        Job leader = submit(seeded("storm", 1));
        Job follower = submit(seeded("storm", 1));
        upstream.calls.get(0).fail(new UpstreamException(503, "UNAVAILABLE", "down", true, null));
        assertThat(List.of(leader.status(), follower.status())).containsOnly(Job.Status.FAILED);
        assertThat(follower.outcome().problem().instance()).isEqualTo("/v1/generations/" + follower.id());

        Job retry = submit(seeded("storm", 1));
        assertThat(retry.cache()).isEqualTo("miss");
        assertThat(upstream.calls).hasSize(2);
    }

    @Test
    void followersShowTheLeadersProgressAsTheirOwn() {
        Job leader = submit(seeded("meadow", 1));
        Job follower = submit(seeded("meadow", 1));
        upstream.calls.get(0).listener.onAttempt(1, "us-central1");
        upstream.calls.get(0).listener.onText(0, "a meadow at dawn");
        upstream.calls.get(0).answer(images(0, 1));
        assertThat(names(follower)).containsExactly("accepted", "attempt", "text", "image", "done");
        assertThat(names(leader)).containsExactly("accepted", "attempt", "text", "image", "done");
    }

    @Test
    void imagesLeftOutSilentlyCountAsFiltered() {
        Job job = submit(seeded("cliff", 4));
        upstream.calls.get(0).answer(images(0, 2));
        assertThat(done(job).get("images").asInt()).isEqualTo(2);
        assertThat(done(job).get("filtered").asInt()).isEqualTo(2);
    }

    // --- the fake upstream and the job plumbing of GenerationService, without CDI ---------------

    private static final class Pending {
        final UpstreamListener listener;
        final UniEmitter<? super GenerationResult> emitter;

        Pending(UpstreamListener listener, UniEmitter<? super GenerationResult> emitter) {
            this.listener = listener;
            this.emitter = emitter;
        }

        void answer(List<GenerationResult.Output> outputs) {
            emitter.complete(new GenerationResult("imagen-4.0-generate-001", outputs, List.of(), null, null, List.of(), 1, 5));
        }

        void fail(UpstreamException failure) {
            emitter.fail(failure);
        }
    }

    /** Answers each call when the test says so. */
    private static final class FakeUpstream implements Upstream {
        final List<Pending> calls = new ArrayList<>();

        @Override
        public Uni<GenerationResult> generate(CanonicalRequest request, UpstreamListener listener) {
            return Uni.createFrom().emitter(emitter -> calls.add(new Pending(listener, emitter)));
        }
    }

    private Job submit(CanonicalRequest request) {
        Job job = new Job("gen_test" + ids.incrementAndGet(), new JobInfo(request.modelId(), null, request.sampleCount(),
                request.deterministic()), null, ended -> {
                }, idle -> {
                });
        path.run(new JobCall(job, request, events, images, logs, counters)).subscribe().with(
                outcome -> job.finish(events.finals(job, outcome), outcome, Job.Status.SUCCEEDED),
                failure -> {
                    Problem problem = ((UpstreamException) failure).toProblem("/v1/generations/" + job.id());
                    job.finish(List.of(events.error(problem)), Outcome.failed(problem, job.cache()), Job.Status.FAILED);
                });
        return job;
    }

    private List<GenerationResult.Output> images(int seed, int count) {
        List<GenerationResult.Output> outputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[IMAGE_BYTES];
            java.util.Arrays.fill(bytes, (byte) (seed + i));
            outputs.add(new Image(i, "image/png", null, null, null, null, null, bytes));
        }
        return outputs;
    }

    private CanonicalRequest seeded(String prompt, int count) {
        return request("{\"prompt\":\"" + prompt + "\",\"sampleCount\":" + count + ",\"seed\":7,\"addWatermark\":false}");
    }

    private CanonicalRequest request(String json) {
        try {
            return CanonicalRequest.of(mapper.readValue(json, GenerationRequest.class), IMAGEN, java.util.Map.of(), null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> names(Job job) {
        return job.events().stream().map(JobEvent::type).toList();
    }

    private List<String> digests(Job job) {
        return job.events().stream().filter(e -> e.type().equals(JobEvent.IMAGE)).map(JobEvent::digest).toList();
    }

    private JsonNode done(Job job) {
        List<JobEvent> log = job.events();
        try {
            return mapper.readTree(log.get(log.size() - 1).json());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
