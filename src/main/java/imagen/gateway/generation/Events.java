package imagen.gateway.generation;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagen.gateway.cluster.ImageStore.StoredImage;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.dedup.Outcome;
import imagen.gateway.generation.Job.Entry;
import imagen.gateway.request.Problem;
import imagen.gateway.upstream.GenerationResult;
import imagen.gateway.upstream.GenerationResult.Filtered;
import imagen.gateway.upstream.GenerationResult.Image;
import imagen.gateway.upstream.GenerationResult.Output;
import imagen.gateway.upstream.UpstreamException;

/** The SSE event catalogue, rendered from typed values: each event's one line of JSON. */
final class Events {

    private final ObjectMapper mapper;

    Events(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    String accepted(Job job, String cache) {
        JobInfo info = job.info();
        ObjectNode data = mapper.createObjectNode().put("id", job.id()).put("model", info.model());
        if (info.servedBy() != null) {
            data.put("servedBy", info.servedBy());
        }
        return json(data.put("sampleCount", info.sampleCount()).put("deterministic", info.deterministic()).put("cache", cache));
    }

    Entry attempt(int attempt, String location) {
        return Entry.of(JobEvent.ATTEMPT, json(mapper.createObjectNode().put("attempt", attempt).put("location", location)));
    }

    Entry retry(int attempt, UpstreamException failure, long delayMs) {
        return Entry.of(JobEvent.RETRY, json(mapper.createObjectNode()
                .put("attempt", attempt)
                .put("status", failure.httpStatus())
                .put("reason", failure.vertexStatus())
                .put("detail", failure.getMessage())
                .put("delayMs", delayMs)));
    }

    Entry text(int index, String text) {
        return Entry.of(JobEvent.TEXT, json(mapper.createObjectNode().put("index", index).put("text", text)));
    }

    Entry preview(int index, StoredImage image) {
        return new Entry(JobEvent.PREVIEW, json(mapper.createObjectNode().put("index", index)
                .put("mimeType", image.mimeType()).put("url", url(image.digest()))
                .put("bytes", image.bytes().length).put("sha256", image.digest())), image.digest());
    }

    Entry error(Problem problem) {
        return Entry.of(JobEvent.ERROR, json(mapper.valueToTree(problem)));
    }

    /**
     * The events that end a successful job: a hit replays the model's text, then one {@code image}
     * or {@code filtered} per output, then {@code done}. Images Vertex left out silently (Imagen
     * without {@code includeRaiReason}) count as filtered.
     */
    List<Entry> finals(Job job, Outcome outcome) {
        GenerationResult result = outcome.result();
        List<Entry> entries = new ArrayList<>();
        if ("hit".equals(outcome.cache())) {
            result.texts().forEach(text -> entries.add(text(text.index(), text.text())));
        }
        int images = 0;
        int filtered = 0;
        for (Output output : result.outputs()) {
            if (output instanceof Image image) {
                entries.add(image(image));
                images++;
            } else if (output instanceof Filtered f) {
                entries.add(Entry.of(JobEvent.FILTERED, json(mapper.createObjectNode().put("index", f.index())
                        .put("reason", f.reason()))));
                filtered++;
            }
        }
        boolean hit = "hit".equals(outcome.cache());
        ObjectNode done = mapper.createObjectNode()
                .put("images", images)
                .put("filtered", Math.max(filtered, job.info().sampleCount() - images))
                .put("cache", outcome.cache())
                .put("attempts", hit ? 0 : result.attempts())
                .put("upstreamMs", hit ? 0 : result.upstreamMs())
                .put("totalMs", java.time.Duration.between(job.createdAt(), java.time.Instant.now()).toMillis());
        if (result.model() != null && job.info().servedBy() != null) {
            done.put("model", result.model());
        }
        if (result.promptSafetyAttributes() != null) {
            done.set("promptSafetyAttributes", result.promptSafetyAttributes());
        }
        if (result.usage() != null) {
            done.set("usage", result.usage());
        }
        entries.add(Entry.of(JobEvent.DONE, json(done)));
        return entries;
    }

    private Entry image(Image image) {
        ObjectNode data = mapper.createObjectNode().put("index", image.index()).put("mimeType", image.mimeType());
        if (image.sha256() != null) {
            data.put("url", url(image.sha256())).put("bytes", image.bytes()).put("sha256", image.sha256());
        }
        if (image.prompt() != null) {
            data.put("prompt", image.prompt());
        }
        if (image.gcsUri() != null) {
            data.put("gcsUri", image.gcsUri());
        }
        if (image.safetyAttributes() != null) {
            data.set("safetyAttributes", image.safetyAttributes());
        }
        return new Entry(JobEvent.IMAGE, json(data), image.sha256());
    }

    static String url(String digest) {
        return "/v1/images/" + digest;
    }

    private String json(Object data) {
        try {
            return mapper.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
