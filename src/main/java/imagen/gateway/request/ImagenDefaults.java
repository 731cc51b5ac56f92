package imagen.gateway.request;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Vertex AI Imagen's documented defaults and value sets (seed reference, DESIGN §2). */
public final class ImagenDefaults {

    public static final int SAMPLE_COUNT = 4;
    public static final boolean ADD_WATERMARK = true;
    public static final String ASPECT_RATIO = "1:1";
    public static final boolean ENHANCE_PROMPT = true;
    public static final boolean INCLUDE_RAI_REASON = true;
    public static final boolean INCLUDE_SAFETY_ATTRIBUTES = false;
    public static final String MIME_TYPE = "image/png";
    public static final int COMPRESSION_QUALITY = 75;
    public static final String PERSON_GENERATION = "allow_adult";
    public static final String SAFETY_SETTING = "block_medium_and_above";
    public static final String SAMPLE_IMAGE_SIZE = "1K";
    public static final String LANGUAGE = "auto";

    public static final Set<String> MIME_TYPES = Set.of("image/jpeg", "image/gif", "image/png", "image/webp", "image/bmp",
            "image/tiff", "image/vnd.microsoft.icon");
    public static final List<String> ASPECT_RATIOS = List.of("1:1", "3:4", "4:3", "9:16", "16:9");

    /** Legacy safety names Vertex still documents, and what they mean today. */
    public static final Map<String, String> LEGACY_SAFETY = Map.of(
            "block_most", "block_low_and_above",
            "block_some", "block_medium_and_above",
            "block_few", "block_only_high");

    private ImagenDefaults() {
    }
}
