package imagen.gateway.request;

/** How a model is called on Vertex AI. */
public enum Protocol {
    /** Imagen's {@code :predict}: one call, up to four images. */
    IMAGEN,
    /** Gemini's {@code :generateContent}/{@code :streamGenerateContent}: one image per call. */
    GEMINI
}
