package imagen.gateway.simulator;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Paints the simulator's images: a landscape (sky gradient, a sun or moon, layered hills, water
 * with a reflection) whose palette and shapes come from a seed, so the same seed always gives the
 * same picture, byte for byte, and different prompts give visibly different ones. No fonts are
 * used, so it also works in a minimal native image.
 */
public final class ImagePainter {

    /** Documented Imagen MIME types that Java's ImageIO writes, with their ImageIO format names. */
    private static final Map<String, String> FORMATS = Map.of(
            "image/png", "png", "image/jpeg", "jpeg", "image/gif", "gif", "image/bmp", "bmp", "image/tiff", "tiff");
    private static final List<String> ENCODABLE = List.of("image/png", "image/jpeg", "image/gif", "image/bmp", "image/tiff");

    private static final Color[][] PALETTES = {
            {new Color(0x0B1D51), new Color(0xF4A261), new Color(0xFFE8A3), new Color(0x264653), new Color(0x2A9D8F)},
            {new Color(0x87CEEB), new Color(0xE0F7FA), new Color(0xFFF59D), new Color(0x33691E), new Color(0x689F38)},
            {new Color(0x3D1A5B), new Color(0xE76F51), new Color(0xFFD166), new Color(0x5C3D2E), new Color(0xA0522D)},
            {new Color(0x01161E), new Color(0x124559), new Color(0xEFF6E0), new Color(0x1B263B), new Color(0x415A77)},
            {new Color(0xFFB4A2), new Color(0xFFE5D9), new Color(0xFFFFFF), new Color(0x6D597A), new Color(0xB56576)},
            {new Color(0x1A535C), new Color(0x4ECDC4), new Color(0xF7FFF7), new Color(0x2B2D42), new Color(0x8D99AE)},
    };

    private ImagePainter() {
    }

    public static boolean canEncode(String mimeType) {
        return FORMATS.containsKey(mimeType);
    }

    public static List<String> encodable() {
        return ENCODABLE;
    }

    /** Pixel size for an aspect ratio at 1K (Imagen 4's sizes); 2K doubles both sides. */
    public static int[] dimensions(String aspectRatio, String sampleImageSize) {
        int[] size = switch (aspectRatio) {
            case "3:4" -> new int[] {896, 1280};
            case "4:3" -> new int[] {1280, 896};
            case "9:16" -> new int[] {768, 1408};
            case "16:9" -> new int[] {1408, 768};
            default -> new int[] {1024, 1024};
        };
        if ("2K".equals(sampleImageSize)) {
            size[0] *= 2;
            size[1] *= 2;
        }
        return size;
    }

    /** Paints and encodes one image. CPU-bound: call it off the event loop. */
    public static byte[] paint(long seed, int width, int height, String mimeType, int compressionQuality) {
        BufferedImage image = render(seed, width, height);
        return encode(image, mimeType, compressionQuality);
    }

    static BufferedImage render(long seed, int w, int h) {
        SplittableRandom random = new SplittableRandom(seed);
        Color[] palette = PALETTES[random.nextInt(PALETTES.length)];
        float hueShift = (float) random.nextDouble(-0.06, 0.06);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            int horizon = (int) (h * random.nextDouble(0.52, 0.68));

            g.setPaint(new GradientPaint(0, 0, shift(palette[0], hueShift), 0, horizon, shift(palette[1], hueShift)));
            g.fillRect(0, 0, w, horizon);

            float sunX = (float) (w * random.nextDouble(0.15, 0.85));
            float sunY = (float) (horizon * random.nextDouble(0.25, 0.7));
            float sunR = (float) (Math.min(w, h) * random.nextDouble(0.06, 0.12));
            g.setPaint(new RadialGradientPaint(sunX, sunY, sunR * 3.2f, new float[] {0f, 0.3f, 1f},
                    new Color[] {alpha(palette[2], 170), alpha(palette[2], 60), alpha(palette[2], 0)}));
            g.fill(new Ellipse2D.Float(sunX - sunR * 3.2f, sunY - sunR * 3.2f, sunR * 6.4f, sunR * 6.4f));
            g.setColor(palette[2]);
            g.fill(new Ellipse2D.Float(sunX - sunR, sunY - sunR, sunR * 2, sunR * 2));

            int layers = 3 + random.nextInt(2);
            for (int layer = 0; layer < layers; layer++) {
                double depth = (layer + 1.0) / layers;
                Color color = blend(blend(palette[3], palette[4], depth), palette[1], 0.55 * (1 - depth));
                g.setColor(shift(color, hueShift));
                g.fill(ridge(random, w, horizon, h * (0.10 + 0.22 * (1 - depth)), depth));
            }

            g.setPaint(new GradientPaint(0, horizon, shift(blend(palette[0], palette[4], 0.5), hueShift), 0, h,
                    shift(blend(palette[0], palette[3], 0.8), hueShift)));
            g.fillRect(0, horizon, w, h - horizon);
            g.setStroke(new BasicStroke(Math.max(1f, h / 400f)));
            for (int i = 0; i < 24; i++) {
                int y = horizon + (int) ((h - horizon) * Math.pow(random.nextDouble(), 1.6));
                int len = (int) (w * random.nextDouble(0.02, 0.12) * (1 + (y - horizon) * 2.0 / h));
                int x = (int) (sunX + random.nextDouble(-1, 1) * sunR * 2.5 * (1 + (y - horizon) * 1.5 / h)) - len / 2;
                g.setColor(alpha(palette[2], 60 + random.nextInt(120)));
                g.drawLine(x, y, x + len, y);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static Path2D ridge(SplittableRandom random, int w, int horizon, double amplitude, double depth) {
        Path2D path = new Path2D.Double();
        double phase1 = random.nextDouble(0, Math.PI * 2);
        double phase2 = random.nextDouble(0, Math.PI * 2);
        double f1 = random.nextDouble(1.2, 3.0) / w;
        double f2 = random.nextDouble(4.0, 9.0) / w;
        double base = horizon - amplitude * 0.15 * (1 - depth);
        path.moveTo(0, horizon + 1);
        for (int x = 0; x <= w; x += Math.max(1, w / 256)) {
            double y = base - amplitude * (0.55 + 0.35 * Math.sin(x * f1 * Math.PI * 2 + phase1)
                    + 0.1 * Math.sin(x * f2 * Math.PI * 2 + phase2));
            path.lineTo(x, y);
        }
        path.lineTo(w, horizon + 1);
        path.closePath();
        return path;
    }

    private static byte[] encode(BufferedImage image, String mimeType, int compressionQuality) {
        String format = FORMATS.get(mimeType);
        if (format == null) {
            throw new IllegalArgumentException("cannot encode " + mimeType);
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 4);
        try (var stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if ("jpeg".equals(format)) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(Math.max(0.01f, compressionQuality / 100f));
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static Color alpha(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), Math.max(0, Math.min(255, alpha)));
    }

    private static Color blend(Color a, Color b, double t) {
        double u = Math.max(0, Math.min(1, t));
        return new Color((int) (a.getRed() + (b.getRed() - a.getRed()) * u),
                (int) (a.getGreen() + (b.getGreen() - a.getGreen()) * u),
                (int) (a.getBlue() + (b.getBlue() - a.getBlue()) * u));
    }

    private static Color shift(Color c, float hueShift) {
        float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
        return Color.getHSBColor((hsb[0] + hueShift + 1f) % 1f, hsb[1], hsb[2]);
    }
}
