package imagen.gateway.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The simulator's painter: deterministic, sized per aspect ratio, encodable, and not a flat fill. */
class ImagePainterTest {

    private static final int W = 256;
    private static final int H = 192;

    @Test
    void sameSeedPaintsByteIdenticalImages() {
        byte[] first = ImagePainter.paint(42, W, H, "image/png", 75);
        byte[] second = ImagePainter.paint(42, W, H, "image/png", 75);
        assertArrayEquals(first, second);
    }

    @Test
    void differentSeedsPaintDifferentPictures() throws IOException {
        int[] a = pixels(decode(ImagePainter.paint(1, W, H, "image/png", 75)));
        int[] b = pixels(decode(ImagePainter.paint(2, W, H, "image/png", 75)));
        assertFalse(Arrays.equals(a, b), "seeds 1 and 2 gave the same pixels");
    }

    @ParameterizedTest(name = "{0} at {1} is {2}x{3}")
    @CsvSource({
            "1:1, 1K, 1024, 1024",
            "3:4, 1K, 896, 1280",
            "4:3, 1K, 1280, 896",
            "9:16, 1K, 768, 1408",
            "16:9, 1K, 1408, 768",
            "1:1, 2K, 2048, 2048",
            "3:4, 2K, 1792, 2560",
            "16:9, 2K, 2816, 1536",
    })
    void sizesFollowAspectRatioAndSampleImageSize(String aspectRatio, String size, int width, int height) {
        assertArrayEquals(new int[] {width, height}, ImagePainter.dimensions(aspectRatio, size));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff"})
    void encodesEveryAdvertisedTypeAsADecodableImageOfTheAskedSize(String mimeType) throws IOException {
        assertTrue(ImagePainter.canEncode(mimeType));
        assertTrue(ImagePainter.encodable().contains(mimeType));
        BufferedImage image = decode(ImagePainter.paint(7, W, H, mimeType, 90));
        assertEquals(W, image.getWidth());
        assertEquals(H, image.getHeight());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"image/webp", "image/vnd.microsoft.icon", "image/foo"})
    void refusesTypesJavaCannotEncode(String mimeType) {
        assertFalse(ImagePainter.canEncode(mimeType));
        assertFalse(ImagePainter.encodable().contains(mimeType));
        assertThrows(IllegalArgumentException.class, () -> ImagePainter.paint(7, W, H, mimeType, 75));
    }

    @Test
    void jpegCompressionQualityChangesTheEncoding() {
        byte[] low = ImagePainter.paint(9, W, H, "image/jpeg", 10);
        byte[] high = ImagePainter.paint(9, W, H, "image/jpeg", 95);
        assertTrue(low.length < high.length, "quality 10 (" + low.length + " B) should be smaller than 95 (" + high.length + " B)");
    }

    @Test
    void paintsAPictureNotAFlatFill() throws IOException {
        BufferedImage image = decode(ImagePainter.paint(1234, W, H, "image/png", 75));
        Set<Integer> colours = new HashSet<>();
        for (int p : pixels(image)) {
            colours.add(p & 0xFFFFFF);
        }
        assertTrue(colours.size() > 200, "only " + colours.size() + " distinct colours");
        // Sky above, water below: the top and bottom rows differ.
        assertFalse(Arrays.equals(row(image, 0), row(image, H - 1)), "top and bottom rows are identical");
    }

    @Test
    void everySeedOfManyGivesAVariedPicture() {
        for (long seed = 0; seed < 20; seed++) {
            BufferedImage image = ImagePainter.render(seed, 64, 48);
            Set<Integer> colours = new HashSet<>();
            for (int p : pixels(image)) {
                colours.add(p & 0xFFFFFF);
            }
            assertTrue(colours.size() > 20, "seed " + seed + " gave only " + colours.size() + " colours");
        }
    }

    private static BufferedImage decode(byte[] bytes) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertNotNull(image, "ImageIO could not decode the bytes");
        return image;
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static int[] row(BufferedImage image, int y) {
        return image.getRGB(0, y, image.getWidth(), 1, null, 0, image.getWidth());
    }
}
