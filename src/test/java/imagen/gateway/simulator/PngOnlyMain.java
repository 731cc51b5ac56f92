package imagen.gateway.simulator;

/**
 * Run in a fresh JVM by {@link ImagePainterTest} with {@code -verbose:class}: does what the
 * simulator does for one request of the given type (default PNG) and prints the encoded size.
 */
public final class PngOnlyMain {

    private PngOnlyMain() {
    }

    public static void main(String[] args) {
        String mimeType = args.length > 0 ? args[0] : "image/png";
        if (!ImagePainter.canEncode(mimeType)) {
            throw new IllegalStateException("cannot encode " + mimeType);
        }
        ImagePainter.canEncode("image/webp");
        int[] size = ImagePainter.dimensions("16:9", "1K");
        byte[] bytes = ImagePainter.paint(42, size[0] / 4, size[1] / 4, mimeType, 75);
        System.out.println("painted " + mimeType + " " + bytes.length + " bytes");
    }
}
