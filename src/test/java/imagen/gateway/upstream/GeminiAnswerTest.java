package imagen.gateway.upstream;

import static imagen.gateway.support.GeminiStubs.blocked;
import static imagen.gateway.support.GeminiStubs.end;
import static imagen.gateway.support.GeminiStubs.errorChunk;
import static imagen.gateway.support.GeminiStubs.finish;
import static imagen.gateway.support.GeminiStubs.image;
import static imagen.gateway.support.GeminiStubs.text;
import static imagen.gateway.support.GeminiStubs.thoughtImage;
import static imagen.gateway.support.GeminiStubs.thoughtText;
import static imagen.gateway.support.GeminiStubs.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.upstream.GenerationResult.Filtered;
import imagen.gateway.upstream.GenerationResult.Image;

/** What a Gemini stream amounts to: images, previews, text, filters, and the answers that are no answer. */
class GeminiAnswerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] FINAL = {10, 20, 30};
    private static final byte[] INTERIM = {1, 2};

    private final List<String> heard = new ArrayList<>();
    private final GeminiAnswer answer = new GeminiAnswer(new UpstreamListener() {
        @Override
        public void onText(int index, String text) {
            heard.add("text " + index + " " + text);
        }

        @Override
        public void onPreview(int index, String mimeType, byte[] data) {
            heard.add("preview " + index + " " + mimeType + " " + data.length);
        }
    });

    @Test
    void tellsTextAndPreviewsAsTheyComeAndKeepsTheFinalImage() {
        feed(usage(text("Drawing "), 5, 0, 0), thoughtText("composition first"), thoughtImage(INTERIM, "image/png"),
                text("a fox."), image(FINAL, "image/jpeg"), end("STOP", 5, 4, 1290));

        assertThat(heard).containsExactly("text 0 Drawing ", "preview 0 image/png 2", "text 0 a fox.");
        GenerationResult result = answer.result("gemini-3-pro-image", 12);
        assertThat(result.outputs()).hasSize(1);
        Image image = (Image) result.outputs().get(0);
        assertThat(image.index()).isZero();
        assertThat(image.mimeType()).isEqualTo("image/jpeg");
        assertThat(image.data()).isEqualTo(FINAL);
        assertThat(result.texts()).extracting(GenerationResult.Text::text).containsExactly("Drawing a fox.");
        assertThat(result.finishReasons()).containsExactly("STOP");
        assertThat(result.usage().get("totalTokenCount").asInt()).as("the last usage holds the totals").isEqualTo(1299);
        assertThat(answer.imageTokens()).isEqualTo(1290);
        assertThat(answer.modelVersion()).isEqualTo("gemini-test");
    }

    @Test
    void aBlockedPromptIsOneFilteredOutputNamingTheReason() {
        feed(blocked("PROHIBITED_CONTENT", "The prompt was blocked."));

        GenerationResult result = answer.result("m", 1);
        assertThat(result.outputs()).containsExactly(new Filtered(0, "prompt blocked: PROHIBITED_CONTENT: The prompt was blocked."));
        assertThat(result.usage().get("promptTokenCount").asInt()).isEqualTo(9);
    }

    @Test
    void anImageWithheldForSafetyIsFiltered() {
        for (String reason : GeminiAnswer.FILTERED) {
            GeminiAnswer one = new GeminiAnswer(UpstreamListener.NONE);
            one.accept(parse(finish(text("Here it is"), reason, "withheld")));
            assertThat(one.result("m", 1).outputs()).containsExactly(new Filtered(0, reason + ": withheld"));
        }
    }

    @Test
    void noImageIsANonRetryable422CarryingTheReasonAndTheText() {
        feed(text("I cannot draw that, "), finish(text("but here is a poem."), "NO_IMAGE", null));

        UpstreamException failure = catchThrowableOfType(UpstreamException.class, () -> answer.result("m", 1));
        assertThat(failure.httpStatus()).isEqualTo(422);
        assertThat(failure.vertexStatus()).isEqualTo("NO_IMAGE");
        assertThat(failure.retryable()).isFalse();
        assertThat(failure.getMessage()).contains("NO_IMAGE").contains("I cannot draw that, but here is a poem.");
    }

    @Test
    void aTextOnlyFinishIsNoAnswerEither() {
        feed(finish(text("Sure!"), "STOP", null));

        UpstreamException failure = catchThrowableOfType(UpstreamException.class, () -> answer.result("m", 1));
        assertThat(failure.httpStatus()).isEqualTo(422);
        assertThat(failure.vertexStatus()).isEqualTo("STOP");
        assertThat(failure.getMessage()).contains("Sure!");
    }

    @Test
    void aStreamWithoutCandidatesOrWithoutAFinishIsARetryable502() {
        UpstreamException empty = catchThrowableOfType(UpstreamException.class, () -> answer.result("m", 1));
        assertThat(empty.httpStatus()).isEqualTo(502);
        assertThat(empty.retryable()).isTrue();

        GeminiAnswer cut = new GeminiAnswer(UpstreamListener.NONE);
        cut.accept(parse(text("half a thought")));
        UpstreamException unfinished = catchThrowableOfType(UpstreamException.class, () -> cut.result("m", 1));
        assertThat(unfinished.httpStatus()).isEqualTo(502);
        assertThat(unfinished.retryable()).isTrue();
    }

    @Test
    void anErrorChunkIsVertexsErrorWithItsRetryInfo() throws Exception {
        GenerateContentResponse chunk = MAPPER.readValue(errorChunk(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "2s"),
                GenerateContentResponse.class);

        UpstreamException failure = catchThrowableOfType(UpstreamException.class, () -> answer.accept(chunk));
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.vertexStatus()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));

        GenerateContentResponse internal = MAPPER.readValue(errorChunk(500, "INTERNAL", "oops", null),
                GenerateContentResponse.class);
        assertThat(catchThrowableOfType(UpstreamException.class, () -> answer.accept(internal)).retryable()).isTrue();
        GenerateContentResponse invalid = MAPPER.readValue(errorChunk(400, "INVALID_ARGUMENT", "bad", null),
                GenerateContentResponse.class);
        assertThat(catchThrowableOfType(UpstreamException.class, () -> answer.accept(invalid)).retryable()).isFalse();
    }

    @Test
    void readsTheWireFormatIgnoringWhatItDoesNotKnow() throws Exception {
        GenerateContentResponse chunk = MAPPER.readValue("""
                {"candidates":[{"index":0,"content":{"role":"model","parts":[
                    {"inlineData":{"mimeType":"image/png","data":"CgsM","displayName":"x"},"thoughtSignature":"abc",
                     "mediaResolution":{"level":"HIGH"}}]},
                  "finishReason":"STOP","safetyRatings":[{"category":"HARM_CATEGORY_HATE_SPEECH","probability":"NEGLIGIBLE"}],
                  "avgLogprobs":-0.5}],
                 "usageMetadata":{"promptTokenCount":3},"modelVersion":"gemini-3.1-flash-image",
                 "createTime":"2026-07-01T00:00:00Z","responseId":"r1","trafficType":"ON_DEMAND"}""",
                GenerateContentResponse.class);

        answer.accept(chunk);
        Image image = (Image) answer.result("m", 1).outputs().get(0);
        assertThat(image.data()).containsExactly(10, 11, 12);
        assertThat(chunk.responseId()).isEqualTo("r1");
        assertThat(chunk.candidates().get(0).content().parts().get(0).thoughtSignature()).isEqualTo("abc");
    }

    @Test
    void ignoresEmptyTextAndOtherCandidates() throws Exception {
        GenerateContentResponse chunk = MAPPER.readValue("""
                {"candidates":[{"index":0,"content":{"parts":[{"text":"","thoughtSignature":"s"}]}},
                  {"index":1,"content":{"parts":[{"text":"another"}]},"finishReason":"STOP"}]}""",
                GenerateContentResponse.class);

        answer.accept(chunk);
        assertThat(heard).isEmpty();
    }

    private void feed(Object... chunks) {
        for (Object chunk : chunks) {
            answer.accept(parse(chunk));
        }
    }

    private static GenerateContentResponse parse(Object chunk) {
        try {
            return MAPPER.readValue(chunk.toString(), GenerateContentResponse.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
