package imagen.gateway.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulator's painter: deterministic, sized per aspect ratio, a valid lossless PNG written
 * without AWT, the other types through ImageIO, and not a flat fill.
 */
class ImagePainterTest {

    private static final int W = 256;
    private static final int H = 192;
    private static final Pattern CLASS_LOAD = Pattern.compile("\\[class,load\\] (\\S+)");

    @Test
    void sameSeedPaintsByteIdenticalImages() {
        for (int[] size : new int[][] {{W, H}, {333, 517}, {1, 1}, {7, 2}}) {
            byte[] first = ImagePainter.paint(42, size[0], size[1], "image/png", 75);
            byte[] second = ImagePainter.paint(42, size[0], size[1], "image/png", 75);
            assertArrayEquals(first, second, size[0] + "x" + size[1]);
        }
        assertArrayEquals(ImagePainter.paint(42, W, H, "image/jpeg", 80), ImagePainter.paint(42, W, H, "image/jpeg", 80));
    }

    @Test
    void differentSeedsPaintDifferentPictures() throws IOException {
        byte[] one = ImagePainter.paint(1, W, H, "image/png", 75);
        byte[] two = ImagePainter.paint(2, W, H, "image/png", 75);
        assertFalse(Arrays.equals(one, two), "seeds 1 and 2 gave the same bytes");
        assertFalse(Arrays.equals(pixels(decode(one)), pixels(decode(two))), "seeds 1 and 2 gave the same pixels");
        Set<String> distinct = new HashSet<>();
        for (long seed = 0; seed < 12; seed++) {
            distinct.add(Arrays.toString(ImagePainter.paint(seed, 64, 48, "image/png", 75)));
        }
        assertEquals(12, distinct.size(), "12 seeds, fewer distinct images");
    }

    @ParameterizedTest(name = "{0} at {1} is {2}x{3}")
    @CsvSource({
            // Imagen 4's sizes for its five ratios; 2K doubles them
            "1:1, 1K, 1024, 1024",
            "3:4, 1K, 896, 1280",
            "4:3, 1K, 1280, 896",
            "9:16, 1K, 768, 1408",
            "16:9, 1K, 1408, 768",
            "1:1, 2K, 2048, 2048",
            "3:4, 2K, 1792, 2560",
            "4:3, 2K, 2560, 1792",
            "9:16, 2K, 1536, 2816",
            "16:9, 2K, 2816, 1536",
            // the ratios only Gemini's image models take: Gemini 3 Pro Image's sizes
            "2:3, 1K, 848, 1264",
            "3:2, 1K, 1264, 848",
            "4:5, 1K, 928, 1152",
            "5:4, 1K, 1152, 928",
            "21:9, 1K, 1584, 672",
            "2:3, 2K, 1696, 2528",
            "21:9, 2K, 3168, 1344",
            // 4K: Gemini 3 Pro Image's, four times its 1K sides
            "1:1, 4K, 4096, 4096",
            "16:9, 4K, 5504, 3072",
            "9:16, 4K, 3072, 5504",
            "3:4, 4K, 3584, 4800",
            "4:3, 4K, 4800, 3584",
            "2:3, 4K, 3392, 5056",
            "3:2, 4K, 5056, 3392",
            "4:5, 4K, 3712, 4608",
            "5:4, 4K, 4608, 3712",
            "21:9, 4K, 6336, 2688",
            // lower case as some clients send it; unknown values fall back to 1K and 1:1
            "16:9, 2k, 2816, 1536",
            "7:5, 1K, 1024, 1024",
            "1:1, 8K, 1024, 1024",
    })
    void sizesFollowAspectRatioAndSampleImageSize(String aspectRatio, String size, int width, int height) {
        assertArrayEquals(new int[] {width, height}, ImagePainter.dimensions(aspectRatio, size));
    }

    @Test
    void everySizeKeepsItsAspectRatio() {
        for (String ratio : List.of("1:1", "3:4", "4:3", "16:9", "9:16", "2:3", "3:2", "4:5", "5:4", "21:9")) {
            String[] parts = ratio.split(":");
            double wanted = Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]);
            for (String size : List.of("1K", "2K", "4K")) {
                int[] d = ImagePainter.dimensions(ratio, size);
                double actual = d[0] / (double) d[1];
                assertTrue(Math.abs(actual / wanted - 1) < 0.08, ratio + " " + size + " is " + d[0] + "x" + d[1]);
            }
        }
        assertArrayEquals(new int[] {1024, 1024}, ImagePainter.dimensions(null, null));
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
    @ValueSource(strings = {"image/webp", "image/vnd.microsoft.icon", "image/foo", "png"})
    void refusesTypesJavaCannotEncode(String mimeType) {
        assertFalse(ImagePainter.canEncode(mimeType));
        assertFalse(ImagePainter.encodable().contains(mimeType));
        assertThrows(IllegalArgumentException.class, () -> ImagePainter.paint(7, W, H, mimeType, 75));
    }

    @Test
    void refusesNullTypesAndEmptySizes() {
        assertFalse(ImagePainter.canEncode(null));
        assertThrows(IllegalArgumentException.class, () -> ImagePainter.paint(7, 0, H, "image/png", 75));
        assertThrows(IllegalArgumentException.class, () -> ImagePainter.paint(7, W, -1, "image/png", 75));
    }

    @Test
    void pngIsLosslessTruecolourThatImageIoReadsBack() throws IOException {
        for (int[] size : new int[][] {{W, H}, {333, 517}, {1, 1}, {3, 1}}) {
            int w = size[0];
            int h = size[1];
            int[] painted = ImagePainter.render(99, w, h);
            BufferedImage image = decode(PngEncoder.encode(painted, w, h));
            assertEquals(w, image.getWidth());
            assertEquals(h, image.getHeight());
            int[] read = pixels(image);
            for (int i = 0; i < read.length; i++) {
                read[i] &= 0xFFFFFF;
            }
            assertArrayEquals(painted, read, "pixels changed through PNG at " + w + "x" + h);
        }
        // arbitrary values, not only the painter's smooth ones, survive every filter choice
        int[] noise = new int[97 * 31];
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int i = 0; i < noise.length; i++) {
            noise[i] = random.nextInt() & 0xFFFFFF;
        }
        int[] read = pixels(decode(PngEncoder.encode(noise, 97, 31)));
        for (int i = 0; i < read.length; i++) {
            read[i] &= 0xFFFFFF;
        }
        assertArrayEquals(noise, read);
    }

    @Test
    void pngChunksAreWellFormed() {
        byte[] png = ImagePainter.paint(3, 300, 200, "image/png", 75);
        ByteBuffer buf = ByteBuffer.wrap(png);
        byte[] signature = new byte[8];
        buf.get(signature);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, signature);
        List<String> types = new ArrayList<>();
        while (buf.hasRemaining()) {
            int length = buf.getInt();
            byte[] typeAndData = new byte[4 + length];
            buf.get(typeAndData);
            String type = new String(typeAndData, 0, 4, StandardCharsets.US_ASCII);
            CRC32 crc = new CRC32();
            crc.update(typeAndData);
            assertEquals(crc.getValue(), buf.getInt() & 0xFFFFFFFFL, "CRC of " + type);
            if (type.equals("IHDR")) {
                ByteBuffer header = ByteBuffer.wrap(typeAndData, 4, length);
                assertEquals(300, header.getInt());
                assertEquals(200, header.getInt());
                assertEquals(8, header.get(), "bit depth");
                assertEquals(2, header.get(), "colour type: truecolour");
                assertEquals(0, header.get());
                assertEquals(0, header.get());
                assertEquals(0, header.get(), "interlace");
            }
            types.add(type);
        }
        assertEquals("IHDR", types.get(0));
        assertEquals("IEND", types.get(types.size() - 1));
        assertTrue(types.contains("IDAT"));
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
        for (long seed = 0; seed < 40; seed++) {
            int[] pixels = ImagePainter.render(seed, 64, 48);
            Set<Integer> colours = new HashSet<>();
            for (int p : pixels) {
                colours.add(p);
            }
            assertTrue(colours.size() > 20, "seed " + seed + " gave only " + colours.size() + " colours");
        }
    }

    @Test
    void paintsFourKImagesQuickly() throws IOException {
        for (String ratio : List.of("1:1", "21:9")) {
            int[] size = ImagePainter.dimensions(ratio, "4K");
            long start = System.nanoTime();
            byte[] png = ImagePainter.paint(2024, size[0], size[1], "image/png", 75);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // generous: 2 shared cores; a quiet machine paints and encodes 16 MP in well under a second
            assertTrue(ms < 15_000, ratio + " 4K took " + ms + " ms");
            BufferedImage image = decode(png);
            assertEquals(size[0], image.getWidth());
            assertEquals(size[1], image.getHeight());
        }
    }

    @Test
    void aPngOnlyProcessLoadsNoAwtOrImageIoClass() throws Exception {
        List<String> loaded = classesLoadedBy("image/png");
        assertTrue(loaded.contains(ImagePainter.class.getName()), "the child did not load the painter: " + loaded.size());
        assertTrue(loaded.contains(PngEncoder.class.getName()));
        List<String> graphics = loaded.stream().filter(ImagePainterTest::isGraphics).toList();
        assertEquals(List.of(), graphics, "classes of Java2D/ImageIO loaded for PNG");
        assertFalse(loaded.contains(ImageIoEncoder.class.getName()));
    }

    @Test
    void aJpegProcessDoesLoadImageIo() throws Exception {
        // the control for the test above: the same child, asked for JPEG, shows up in the same check
        List<String> loaded = classesLoadedBy("image/jpeg");
        assertTrue(loaded.contains(ImageIoEncoder.class.getName()));
        assertTrue(loaded.stream().anyMatch(c -> c.startsWith("javax.imageio.")), "no javax.imageio class loaded");
        assertTrue(loaded.stream().anyMatch(c -> c.startsWith("java.awt.")), "no java.awt class loaded");
    }

    private static boolean isGraphics(String className) {
        return className.startsWith("java.awt.") || className.startsWith("javax.imageio.")
                || className.startsWith("sun.awt.") || className.startsWith("sun.java2d.")
                || className.startsWith("com.sun.imageio.");
    }

    /** Runs {@link PngOnlyMain} in a fresh JVM with {@code -verbose:class}; the classes it loaded. */
    private static List<String> classesLoadedBy(String mimeType) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-verbose:class", "-cp", classPath(),
                PngOnlyMain.class.getName(), mimeType).redirectErrorStream(true);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child JVM did not exit");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), text.length() > 4000 ? text.substring(text.length() - 4000) : text);
        assertTrue(text.contains("painted " + mimeType), "the child did not paint");
        List<String> classes = new ArrayList<>();
        Matcher m = CLASS_LOAD.matcher(text);
        while (m.find()) {
            classes.add(m.group(1));
        }
        assertTrue(classes.size() > 100, "no -verbose:class output: " + text.substring(0, Math.min(text.length(), 2000)));
        return classes;
    }

    /** Where the painter and the child's main class were loaded from, then this JVM's class path. */
    private static String classPath() throws URISyntaxException {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(ImagePainter.class, PngOnlyMain.class)) {
            var source = c.getProtectionDomain().getCodeSource();
            if (source != null && "file".equals(source.getLocation().getProtocol())) {
                entries.add(Path.of(source.getLocation().toURI()).toString());
            }
        }
        entries.addAll(Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)));
        return String.join(File.pathSeparator, entries);
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
