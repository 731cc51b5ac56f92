package imagen.gateway.simulator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulator's answer to one {@link GeminiAsk}, whole ({@code :generateContent}) or as the chunks
 * of a stream ({@code :streamGenerateContent}), in Vertex's {@code GenerateContentResponse} shape.
 * Painting is CPU-bound: {@link #whole()} and each chunk's body are built off the event loop.
 */
final class GeminiAnswer {

    /** What the prompt leads to; see {@link GeminiSimulatorResource} for the keywords. */
    enum Outcome {
        /** The prompt is refused: {@code promptFeedback}, no candidates. */
        BLOCKED,
        /** The picture is filtered out: text, then {@code IMAGE_SAFETY}. */
        UNSAFE_IMAGE,
        /** The model describes instead of drawing: text, then {@code NO_IMAGE}. */
        NO_IMAGE,
        /** {@code responseModalities} asks for text only: text, then {@code STOP}. */
        TEXT_ONLY,
        /** Text, thoughts for a pro model, the picture, then {@code STOP}. */
        IMAGE
    }

    /**
     * One chunk of a stream.
     *
     * @param at when it goes out, as a share of the simulated latency (0 = at once, 1 = at the end)
     * @param body builds it; may paint
     */
    record Chunk(double at, Supplier<ObjectNode> body) {
    }

    /** Image tokens of a generated picture (Gemini 3 image pricing): 1K and 2K cost the same. */
    static int imageTokens(String imageSize) {
        return "4K".equals(imageSize) ? 2000 : 1120;
    }

    /** Prompt tokens of each input image. */
    static final int INPUT_IMAGE_TOKENS = 560;

    private static final String[] STYLES = {"watercolor", "photograph", "oil painting", "ink drawing", "digital painting",
            "pastel sketch"};
    private static final long THOUGHT_SALT = 0x9E3779B97F4A7C15L;

    private final ObjectMapper mapper;
    private final GeminiAsk ask;
    private final Outcome outcome;
    private final long seed;
    private final String style;
    private final String subject;
    private final String responseId;
    private final String createTime;

    GeminiAnswer(ObjectMapper mapper, GeminiAsk ask, String blockedWord) {
        this.mapper = mapper;
        this.ask = ask;
        this.outcome = outcome(ask, blockedWord);
        this.seed = ask.seed() != null ? ask.pictureSeed() : ThreadLocalRandom.current().nextLong();
        this.style = STYLES[(int) Math.floorMod(seed, (long) STYLES.length)];
        this.subject = subject(ask.prompt());
        this.responseId = responseId();
        this.createTime = Instant.now().truncatedTo(ChronoUnit.MICROS).toString(); // Vertex writes microseconds
    }

    private static Outcome outcome(GeminiAsk ask, String blockedWord) {
        String prompt = ask.prompt().toLowerCase(Locale.ROOT);
        if (blockedWord != null && !blockedWord.isBlank() && prompt.contains(blockedWord.toLowerCase(Locale.ROOT))) {
            return Outcome.BLOCKED;
        }
        if (!ask.wantsImage()) {
            return Outcome.TEXT_ONLY;
        }
        if (prompt.contains(GeminiSimulatorResource.UNSAFE_IMAGE)) {
            return Outcome.UNSAFE_IMAGE;
        }
        if (prompt.contains(GeminiSimulatorResource.NO_IMAGE)) {
            return Outcome.NO_IMAGE;
        }
        return Outcome.IMAGE;
    }

    Outcome outcome() {
        return outcome;
    }

    /** The whole answer of {@code :generateContent}. Paints: call it off the event loop. */
    ObjectNode whole() {
        if (outcome == Outcome.BLOCKED) {
            return blocked();
        }
        ArrayNode parts = mapper.createArrayNode();
        parts.add(text(visibleText()));
        if (ask.showsThoughts()) {
            parts.add(thoughtText());
            if (outcome == Outcome.IMAGE && ask.pro()) {
                parts.add(thoughtImage());
            }
        }
        if (outcome == Outcome.IMAGE) {
            parts.add(finalImage());
        }
        return response(parts, finishReason(), finishMessage(), true);
    }

    /**
     * The chunks of {@code :streamGenerateContent}: the text in two pieces, the thoughts (a pro model's
     * thought text and interim picture), then the picture; the last chunk carries the finish reason and
     * the usage. A filtered picture ends with a candidate that has no content; text-only answers end
     * with an empty text part, as Vertex's streams do.
     */
    List<Chunk> chunks() {
        List<Chunk> chunks = new ArrayList<>();
        if (outcome == Outcome.BLOCKED) {
            chunks.add(new Chunk(0.2, this::blocked));
            return chunks;
        }
        String text = visibleText();
        int cut = cut(text);
        chunks.add(new Chunk(0, () -> response(parts(text(text.substring(0, cut))), null, null, false)));
        chunks.add(new Chunk(0.15, () -> response(parts(text(text.substring(cut))), null, null, false)));
        if (ask.showsThoughts()) {
            chunks.add(new Chunk(0.35, () -> response(parts(thoughtText()), null, null, false)));
            if (outcome == Outcome.IMAGE && ask.pro()) {
                chunks.add(new Chunk(0.6, () -> response(parts(thoughtImage()), null, null, false)));
            }
        }
        chunks.add(new Chunk(1, switch (outcome) {
            case IMAGE -> () -> response(parts(finalImage()), finishReason(), null, true);
            case UNSAFE_IMAGE -> () -> response(null, finishReason(), finishMessage(), true);
            default -> () -> response(parts(text("")), finishReason(), null, true);
        }));
        return chunks;
    }

    /** The text of a chunk that never arrives whole: the start of an image part, cut inside its data. */
    static String cutShort(String mimeType) {
        return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"inlineData\":{\"mimeType\":\"" + mimeType
                + "\",\"data\":\"iVBORw0KGgoAAAANSUhEUgAA";
    }

    private ObjectNode blocked() {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("promptFeedback")
                .put("blockReason", "PROHIBITED_CONTENT")
                .put("blockReasonMessage", "The prompt could not be submitted. This prompt contains prohibited content "
                        + "according to the Generative AI Prohibited Use Policy.");
        int prompt = promptTokens();
        ObjectNode usage = root.putObject("usageMetadata");
        usage.put("promptTokenCount", prompt);
        usage.put("totalTokenCount", prompt);
        promptDetails(usage);
        usage.put("trafficType", "ON_DEMAND");
        return envelope(root);
    }

    private ObjectNode response(ArrayNode parts, String finishReason, String finishMessage, boolean usage) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        if (parts != null) {
            ObjectNode content = candidate.putObject("content");
            content.put("role", "model");
            content.set("parts", parts);
        }
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        if (finishMessage != null) {
            candidate.put("finishMessage", finishMessage);
        }
        candidate.put("index", 0);
        if (usage) {
            root.set("usageMetadata", usage());
        }
        return envelope(root);
    }

    private ObjectNode envelope(ObjectNode root) {
        root.put("modelVersion", ask.model());
        root.put("createTime", createTime);
        root.put("responseId", responseId);
        return root;
    }

    private ObjectNode usage() {
        int prompt = promptTokens();
        int text = words(visibleText());
        int image = outcome == Outcome.IMAGE ? imageTokens(ask.imageSize()) : 0;
        int thoughts = ask.thinks() ? words(thoughtWords()) + (outcome == Outcome.IMAGE && ask.pro()
                ? imageTokens(ask.imageSize()) / 4 : 0) : 0;
        ObjectNode usage = mapper.createObjectNode();
        usage.put("promptTokenCount", prompt);
        usage.put("candidatesTokenCount", text + image);
        usage.put("totalTokenCount", prompt + text + image + thoughts);
        if (thoughts > 0) {
            usage.put("thoughtsTokenCount", thoughts);
        }
        promptDetails(usage);
        ArrayNode details = usage.putArray("candidatesTokensDetails");
        if (image > 0) {
            details.addObject().put("modality", "IMAGE").put("tokenCount", image);
        }
        details.addObject().put("modality", "TEXT").put("tokenCount", text);
        usage.put("trafficType", "ON_DEMAND");
        return usage;
    }

    private int promptTokens() {
        return words(ask.prompt()) + INPUT_IMAGE_TOKENS * ask.referenceImages();
    }

    private void promptDetails(ObjectNode usage) {
        ArrayNode details = usage.putArray("promptTokensDetails");
        details.addObject().put("modality", "TEXT").put("tokenCount", words(ask.prompt()));
        if (ask.referenceImages() > 0) {
            details.addObject().put("modality", "IMAGE").put("tokenCount", INPUT_IMAGE_TOKENS * ask.referenceImages());
        }
    }

    private String finishReason() {
        return switch (outcome) {
            case UNSAFE_IMAGE -> "IMAGE_SAFETY";
            case NO_IMAGE -> "NO_IMAGE";
            default -> "STOP";
        };
    }

    private String finishMessage() {
        return outcome == Outcome.UNSAFE_IMAGE
                ? "Unable to show the generated image. The image was filtered out because it violated Google's Generative AI "
                        + "Prohibited Use policy. You will not be charged for blocked images. Try rephrasing the prompt."
                : null;
    }

    /** The commentary the model writes next to (or instead of) the picture. */
    private String visibleText() {
        return switch (outcome) {
            case IMAGE, UNSAFE_IMAGE -> "Here is " + article(style) + " " + style + " of " + subject + ".";
            default -> "I can only describe it: " + subject + ", as " + article(style) + " " + style
                    + " in soft light with a calm, wide composition.";
        };
    }

    private String thoughtWords() {
        return "**Composing the " + style + "**\n\nI'm sketching a first layout of " + subject
                + (ask.pro() && outcome == Outcome.IMAGE ? " at a quarter of the final size" : "")
                + " to settle the composition and the light before rendering it in full.";
    }

    private ObjectNode text(String text) {
        return mapper.createObjectNode().put("text", text);
    }

    private ObjectNode thoughtText() {
        return mapper.createObjectNode().put("text", thoughtWords()).put("thought", true);
    }

    /** The interim picture of a pro model: half the width and height, from its own seed. */
    private ObjectNode thoughtImage() {
        int[] size = ImagePainter.dimensions(ask.aspectRatio(), ask.imageSize());
        byte[] bytes = ImagePainter.paint(seed ^ THOUGHT_SALT, Math.max(1, size[0] / 2), Math.max(1, size[1] / 2),
                ask.mimeType(), ask.quality());
        ObjectNode part = mapper.createObjectNode();
        part.putObject("inlineData").put("mimeType", ask.mimeType()).put("data", Base64.getEncoder().encodeToString(bytes));
        part.put("thought", true);
        return part;
    }

    private ObjectNode finalImage() {
        int[] size = ImagePainter.dimensions(ask.aspectRatio(), ask.imageSize());
        byte[] bytes = ImagePainter.paint(seed, size[0], size[1], ask.mimeType(), ask.quality());
        ObjectNode part = mapper.createObjectNode();
        part.putObject("inlineData").put("mimeType", ask.mimeType()).put("data", Base64.getEncoder().encodeToString(bytes));
        if (ask.model().startsWith("gemini-3")) {
            // Gemini 3 signs the first part after its thoughts; callers echo it back in the next turn
            part.put("thoughtSignature", signature());
        }
        return part;
    }

    private String signature() {
        byte[] bytes = new byte[48];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    private ArrayNode parts(ObjectNode part) {
        ArrayNode parts = mapper.createArrayNode();
        parts.add(part);
        return parts;
    }

    /** Where a text is split in two pieces: after the space nearest its middle. */
    private static int cut(String text) {
        int middle = text.length() / 2;
        int space = text.indexOf(' ', middle);
        return space < 0 ? middle : space + 1;
    }

    /** The prompt as the commentary quotes it: one line, at most 200 characters, no closing stop. */
    private static String subject(String prompt) {
        String line = prompt.strip().replaceAll("\\s+", " ");
        if (line.length() > 200) {
            line = line.substring(0, 200).strip() + "…";
        }
        line = line.replaceAll("[.!?]+$", "");
        if (line.matches("(?s)(A|An|The) .*")) {
            line = Character.toLowerCase(line.charAt(0)) + line.substring(1);
        }
        return line;
    }

    private static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }

    private static int words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    private static String responseId() {
        byte[] bytes = new byte[17];
        ThreadLocalRandom.current().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
