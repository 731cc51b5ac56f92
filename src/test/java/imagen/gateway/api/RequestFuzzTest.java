package imagen.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import imagen.gateway.request.CallOptions;
import imagen.gateway.support.LogCapture;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * 10,000 generated bodies, fixed seed, against {@code /v1/generations}, {@code :predict} and
 * {@code :generateContent}: wrong types at every field of a valid body, deep nesting, huge
 * numbers, invalid UTF-8, truncated JSON, random bytes, duplicated keys, empty bodies. None may
 * get a 5xx; every answer is a problem (with Google's envelope on the Vertex paths) that parses
 * and carries no internals; nothing is logged at ERROR or with a stack trace.
 *
 * <p>A body can be valid by chance (a {@code null} in an optional field): every request asks the
 * simulator for a 400, so such a body costs no image, and {@code :predict} answers it with the
 * upstream's INVALID_ARGUMENT, {@code /v1/generations} with a 202 for a job that then fails.
 */
@QuarkusTest
class RequestFuzzTest {

    private static final long SEED = 20_261_202L;
    private static final int IN_FLIGHT = 8;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PLACEHOLDER = "@@fuzz@@";

    @TestHTTPResource("/v1/generations")
    URI generations;

    @TestHTTPResource(ErrorContractTest.PREDICT)
    URI predict;

    @TestHTTPResource(ErrorContractTest.GENERATE)
    URI generate;

    /** One endpoint under fuzz: its valid body and how many bodies it gets. */
    record Target(String name, URI uri, ObjectNode valid, int count, boolean vertexShaped) {
    }

    record Outcome(String target, String generator, int status, String body, String contentType) {
    }

    @Test
    void noGeneratedBodyGetsA5xxOrLogsAnError() throws Exception {
        List<Target> targets = List.of(
                new Target("/v1/generations", generations, json("{'model':'imagen-4.0-fast-generate-001',"
                        + "'prompt':'a lighthouse at dusk','negativePrompt':'fog','sampleCount':1,'seed':7,"
                        + "'addWatermark':false,'aspectRatio':'16:9','enhancePrompt':false,'includeRaiReason':true,"
                        + "'includeSafetyAttributes':false,'outputOptions':{'mimeType':'image/jpeg','compressionQuality':80},"
                        + "'personGeneration':'allow_adult','safetySetting':'block_medium_and_above','language':'en'}"),
                        4_500, false),
                new Target(":predict", predict, json("{'instances':[{'prompt':'a lighthouse at dusk','negativePrompt':'fog'}],"
                        + "'parameters':{'sampleCount':1,'seed':7,'addWatermark':false,'aspectRatio':'16:9',"
                        + "'enhancePrompt':false,'outputOptions':{'mimeType':'image/jpeg','compressionQuality':80},"
                        + "'personGeneration':'allow_adult','safetySetting':'block_medium_and_above','language':'en'},"
                        + "'labels':{'team':'fuzz'}}"), 4_500, true),
                new Target(":generateContent", generate, json("{'contents':[{'role':'user','parts':[{'text':'a lighthouse'}]}],"
                        + "'generationConfig':{'responseModalities':['TEXT','IMAGE'],'seed':7,"
                        + "'imageConfig':{'aspectRatio':'16:9','imageSize':'1K'}},"
                        + "'safetySettings':[{'category':'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_NONE'}]}"),
                        1_000, true));
        Random random = new Random(SEED);
        List<Generator> generators = generators();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> transportFailures = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        long started = System.nanoTime();
        try (LogCapture logs = LogCapture.start()) {
            for (Target target : targets) {
                for (int i = 0; i < target.count(); i++) {
                    Generator generator = pick(generators, random);
                    byte[] body = generator.make().apply(new Seeded(target.valid(), random));
                    HttpRequest request = HttpRequest.newBuilder(target.uri()).timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json").header("Accept", "application/json")
                            .header(CallOptions.FAULT_HEADER, "400")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                    slots.acquire();
                    sent.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, e) -> {
                        slots.release();
                        if (e != null) {
                            transportFailures.add(target.name() + " " + generator.name() + ": " + e);
                        } else {
                            outcomes.add(new Outcome(target.name(), generator.name(), response.statusCode(),
                                    response.body(), response.headers().firstValue("Content-Type").orElse("")));
                        }
                    }));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            List<String> bad = new ArrayList<>();
            for (Outcome outcome : outcomes) {
                String wrong = check(outcome, targets);
                if (wrong != null && bad.size() < 20) {
                    bad.add(wrong);
                }
            }
            record(outcomes, elapsedMs);
            assertThat(transportFailures).as("every request is answered").isEmpty();
            assertThat(outcomes).hasSize(10_000);
            assertThat(bad).as("answers that break the contract").isEmpty();
            assertThat(outcomes).as("no 5xx").noneMatch(o -> o.status() >= 500);
            assertThat(outcomes).as("bytes that are not UTF-8 are never accepted")
                    .noneMatch(o -> o.generator().equals("invalid-utf8") && o.status() < 300);
            assertThat(logs.texts()).as("no ERROR and no stack trace in the log")
                    .noneMatch(ErrorContractTest::isErrorOrTrace);
        }
    }

    /** What is wrong with one answer, or null. */
    private static String check(Outcome outcome, List<Target> targets) {
        String where = outcome.target() + " " + outcome.generator() + " " + outcome.status() + ": ";
        if (outcome.status() >= 500) {
            return where + outcome.body();
        }
        if (outcome.status() == 202 && outcome.target().equals("/v1/generations")) {
            return null;
        }
        if (!outcome.contentType().startsWith("application/problem+json")) {
            return where + "content type " + outcome.contentType();
        }
        JsonNode problem;
        try {
            problem = MAPPER.readTree(outcome.body());
        } catch (IOException e) {
            return where + "unparsable " + outcome.body();
        }
        if (problem.path("status").asInt() != outcome.status()
                || !problem.path("type").asText().startsWith("urn:imagen-gateway:problem:")
                || problem.path("detail").asText().isBlank()) {
            return where + "not a problem " + outcome.body();
        }
        boolean vertexShaped = targets.stream().filter(t -> t.name().equals(outcome.target())).findFirst().orElseThrow()
                .vertexShaped();
        if (vertexShaped && (problem.path("error").path("code").asInt() != outcome.status()
                || problem.path("error").path("status").asText().isEmpty())) {
            return where + "no Vertex envelope " + outcome.body();
        }
        for (String internal : List.of("java.", "jackson", "Jackson", "imagen.gateway", "Exception", "CoercionConfig",
                "`", "\tat ", "Source: ")) {
            if (outcome.body().contains(internal)) {
                return where + "internals (" + internal + ") " + outcome.body();
            }
        }
        return null;
    }

    /** Totals for the record: count per target, generator and status, and the time taken. */
    private static void record(Iterable<Outcome> outcomes, long elapsedMs) throws IOException {
        Map<String, AtomicInteger> byStatus = new TreeMap<>();
        Map<String, AtomicInteger> byGenerator = new TreeMap<>();
        for (Outcome o : outcomes) {
            byStatus.computeIfAbsent(o.target() + " " + o.status(), k -> new AtomicInteger()).incrementAndGet();
            byGenerator.computeIfAbsent(o.target() + " " + o.generator() + " " + o.status(), k -> new AtomicInteger())
                    .incrementAndGet();
        }
        StringBuilder text = new StringBuilder("RequestFuzzTest seed " + SEED + ", " + IN_FLIGHT + " in flight, "
                + elapsedMs + " ms\n\nby target and status:\n");
        byStatus.forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
        text.append("\nby target, generator and status:\n");
        byGenerator.forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
        Path file = Path.of("target", "request-fuzz-totals.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        System.out.println(text);
    }

    // --- generators ------------------------------------------------------------------------------

    /** A valid body and the run's random source. */
    record Seeded(ObjectNode valid, Random random) {
    }

    record Generator(String name, int weight, Function<Seeded, byte[]> make) {
    }

    private static Generator pick(List<Generator> generators, Random random) {
        int total = generators.stream().mapToInt(Generator::weight).sum();
        int draw = random.nextInt(total);
        for (Generator generator : generators) {
            draw -= generator.weight();
            if (draw < 0) {
                return generator;
            }
        }
        throw new IllegalStateException();
    }

    private static List<Generator> generators() {
        return List.of(
                new Generator("wrong-type", 40, RequestFuzzTest::wrongType),
                new Generator("deep-nesting", 8, RequestFuzzTest::deepNesting),
                new Generator("huge-number", 10, RequestFuzzTest::hugeNumber),
                new Generator("invalid-utf8", 10, RequestFuzzTest::invalidUtf8),
                new Generator("truncated", 14, RequestFuzzTest::truncated),
                new Generator("random-bytes", 10, RequestFuzzTest::randomBytes),
                new Generator("duplicate-key", 6, RequestFuzzTest::duplicateKey),
                new Generator("empty", 2, s -> new byte[0]));
    }

    private static final List<String> STRINGS = List.of("\"\"", "\"x\"", "\"2\"", "\"true\"", "\"null\"", "\"{}\"",
            "\"image/png\"", "\"\\u00e9\\ud83d\\ude00\"", "\"" + "a".repeat(5000) + "\"", "\"\\u0000\"", "\"1K\"");
    private static final List<String> NUMBERS = List.of("0", "-1", "1", "2.5", "4", "1e400", "-1e400", "1e-400",
            "99999999999999999999999", "-0.0", "2147483648", "9223372036854775808");
    private static final List<String> ARRAYS = List.of("[]", "[1]", "[\"x\"]", "[{}]", "[[[]]]", "[null]");
    private static final List<String> OBJECTS = List.of("{}", "{\"a\":1}", "{\"prompt\":\"x\"}", "{\"mimeType\":5}");

    /** Any value of a JSON type: string, number, boolean, null, array, object. */
    private static String anyValue(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> STRINGS.get(random.nextInt(STRINGS.size()));
            case 1 -> NUMBERS.get(random.nextInt(NUMBERS.size()));
            case 2 -> random.nextBoolean() ? "true" : "false";
            case 3 -> "null";
            case 4 -> ARRAYS.get(random.nextInt(ARRAYS.size()));
            default -> OBJECTS.get(random.nextInt(OBJECTS.size()));
        };
    }

    /** One value of the valid body, at any depth, replaced by a value of any JSON type. */
    private static byte[] wrongType(Seeded s) {
        return replace(s.valid(), pickPath(s.valid(), s.random()), anyValue(s.random()));
    }

    private static byte[] deepNesting(Seeded s) {
        int depth = List.of(999, 1000, 1001, 5000, 10_000).get(s.random().nextInt(5));
        boolean arrays = s.random().nextBoolean();
        String deep = arrays ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
        if (s.random().nextInt(4) == 0) {
            return (arrays ? "[".repeat(depth) : "{\"a\":".repeat(depth)).getBytes(StandardCharsets.UTF_8); // unclosed
        }
        return s.random().nextInt(3) == 0 ? deep.getBytes(StandardCharsets.UTF_8)
                : replace(s.valid(), pickPath(s.valid(), s.random()), deep);
    }

    private static byte[] hugeNumber(Seeded s) {
        List<String> huge = List.of("1e400", "-1e400", "99999999999999999999999", "-99999999999999999999999",
                "1" + "0".repeat(1200), "0." + "0".repeat(1200) + "1", "1e99999999999", "123456789012345678901234567890.5");
        return replace(s.valid(), pickPath(s.valid(), s.random()), huge.get(s.random().nextInt(huge.size())));
    }

    private static final byte[][] INVALID_UTF8 = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}};

    /** Bytes that are not UTF-8, inside a string (key or value) or anywhere. */
    private static byte[] invalidUtf8(Seeded s) {
        byte[] valid = bytes(s.valid());
        List<Integer> quotes = new ArrayList<>();
        for (int i = 0; i < valid.length; i++) {
            if (valid[i] == '"') {
                quotes.add(i + 1);
            }
        }
        int at = s.random().nextInt(4) == 0 ? s.random().nextInt(valid.length) : quotes.get(s.random().nextInt(quotes.size()));
        byte[] bad = INVALID_UTF8[s.random().nextInt(INVALID_UTF8.length)];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(valid, 0, at);
        out.write(bad, 0, bad.length);
        out.write(valid, at, valid.length - at);
        return out.toByteArray();
    }

    private static byte[] truncated(Seeded s) {
        byte[] valid = bytes(s.valid());
        return java.util.Arrays.copyOf(valid, 1 + s.random().nextInt(valid.length - 1));
    }

    private static byte[] randomBytes(Seeded s) {
        Random random = s.random();
        if (random.nextBoolean()) {
            byte[] noise = new byte[1 + random.nextInt(300)];
            random.nextBytes(noise);
            return noise;
        }
        String alphabet = "{}[]\":,0123456789.eE+-truefalsn \\u\t\nxyz";
        StringBuilder text = new StringBuilder();
        int length = 1 + random.nextInt(200);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A key of some object of the valid body given twice, with the same or another value. */
    private static byte[] duplicateKey(Seeded s) {
        ObjectNode copy = s.valid().deepCopy();
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(copy, objects);
        ObjectNode object = objects.get(s.random().nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        String name = names.get(s.random().nextInt(names.size()));
        object.set(PLACEHOLDER, s.random().nextBoolean() ? object.get(name).deepCopy() : TextNode.valueOf("other"));
        return copy.toString().replace("\"" + PLACEHOLDER + "\"", "\"" + name + "\"").getBytes(StandardCharsets.UTF_8);
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> objects) {
        if (node instanceof ObjectNode object && object.size() > 0) {
            objects.add(object);
        }
        node.forEach(child -> collectObjects(child, objects));
    }

    /** A path to any value of the body: a list of names and indexes. */
    private static List<Object> pickPath(JsonNode body, Random random) {
        List<List<Object>> paths = new ArrayList<>();
        collectPaths(body, new ArrayList<>(), paths);
        return paths.get(random.nextInt(paths.size()));
    }

    private static void collectPaths(JsonNode node, List<Object> at, List<List<Object>> paths) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                List<Object> next = new ArrayList<>(at);
                next.add(field.getKey());
                paths.add(next);
                collectPaths(field.getValue(), next, paths);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                List<Object> next = new ArrayList<>(at);
                next.add(i);
                paths.add(next);
                collectPaths(node.get(i), next, paths);
            }
        }
    }

    /** The body with the value at {@code path} replaced by raw JSON text. */
    private static byte[] replace(ObjectNode valid, List<Object> path, String raw) {
        ObjectNode copy = valid.deepCopy();
        JsonNode parent = copy;
        for (int i = 0; i < path.size() - 1; i++) {
            parent = path.get(i) instanceof String name ? parent.get(name) : parent.get((Integer) path.get(i));
        }
        Object last = path.get(path.size() - 1);
        if (last instanceof String name) {
            ((ObjectNode) parent).set(name, TextNode.valueOf(PLACEHOLDER));
        } else {
            ((ArrayNode) parent).set((Integer) last, TextNode.valueOf(PLACEHOLDER));
        }
        return copy.toString().replace("\"" + PLACEHOLDER + "\"", raw).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) MAPPER.readTree(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
