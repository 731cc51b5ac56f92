package imagen.gateway.simulator;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The non-PNG types (JPEG, GIF, BMP, TIFF), through the JDK's ImageIO. Kept apart from
 * {@link ImagePainter} so that this class, and with it Java2D and ImageIO, is loaded only when one
 * of these types is asked for.
 */
final class ImageIoEncoder {

    private static final Map<String, String> FORMATS = Map.of(
            "image/jpeg", "jpeg", "image/gif", "gif", "image/bmp", "bmp", "image/tiff", "tiff");

    private ImageIoEncoder() {
    }

    /** Those of {@code mimeTypes} ImageIO has a writer for; throws where ImageIO itself does not work. */
    static Set<String> writableTypes(Collection<String> mimeTypes) {
        Set<String> writable = new LinkedHashSet<>();
        for (String type : mimeTypes) {
            String format = FORMATS.get(type);
            if (format != null && ImageIO.getImageWritersByFormatName(format).hasNext()) {
                writable.add(type);
            }
        }
        return Set.copyOf(writable);
    }

    static byte[] encode(int[] rgb, int width, int height, String mimeType, int compressionQuality) {
        String format = FORMATS.get(mimeType);
        if (format == null) {
            throw new IllegalArgumentException("cannot encode " + mimeType);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] data = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(rgb, 0, data, 0, width * height);

        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, width * height / 4));
        try (var stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if ("jpeg".equals(format)) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(Math.max(0.01f, Math.min(1f, compressionQuality / 100f)));
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
