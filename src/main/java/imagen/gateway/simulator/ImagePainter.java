package imagen.gateway.simulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Paints the simulator's images: a landscape (sky gradient, a sun or a moon, layered hills, water
 * with a rippled reflection) whose palette and shapes come from a seed, so the same seed and size
 * always give the same picture, byte for byte, and different prompts give visibly different ones.
 *
 * <p>
 * Painting works on a plain {@code int[]} of {@code 0xRRGGBB} pixels with integer blending and
 * {@link StrictMath}, and PNG is encoded here ({@link PngEncoder}), so the PNG path loads no
 * {@code java.awt} or {@code javax.imageio} class: nothing of Java2D's start-up cost, and it works in
 * a native image without AWT. The other types go through ImageIO ({@link ImageIoEncoder}), which is
 * touched only when one of them is asked for, and offered only where ImageIO actually works (on the
 * JVM; not in a native image built without the AWT extension).
 */
public final class ImagePainter {

    private static final String PNG = "image/png";
    /** Documented Imagen MIME types that Java's ImageIO writes; offered when ImageIO works here. */
    private static final List<String> IMAGE_IO_TYPES = List.of("image/jpeg", "image/gif", "image/bmp", "image/tiff");

    private static final int[][] PALETTES = {
            // sky top, sky at the horizon, sun/moon, far and near hills
            {0x0B1D51, 0xF4A261, 0xFFE8A3, 0x264653, 0x2A9D8F},
            {0x87CEEB, 0xE0F7FA, 0xFFF59D, 0x33691E, 0x689F38},
            {0x3D1A5B, 0xE76F51, 0xFFD166, 0x5C3D2E, 0xA0522D},
            {0x01161E, 0x124559, 0xEFF6E0, 0x1B263B, 0x415A77},
            {0xFFB4A2, 0xFFE5D9, 0xFFFFFF, 0x6D597A, 0xB56576},
            {0x1A535C, 0x4ECDC4, 0xF7FFF7, 0x2B2D42, 0x8D99AE},
    };
    private static final double TAU = Math.PI * 2;

    private ImagePainter() {
    }

    /** Whether {@link #paint} can produce this type. Probes ImageIO (once) only for a non-PNG type. */
    public static boolean canEncode(String mimeType) {
        if (PNG.equals(mimeType)) {
            return true;
        }
        return mimeType != null && IMAGE_IO_TYPES.contains(mimeType) && ImageIoProbe.TYPES.contains(mimeType);
    }

    /** The types {@link #paint} produces here: PNG always, the others where ImageIO works. */
    public static List<String> encodable() {
        return ImageIoProbe.ENCODABLE;
    }

    /**
     * Pixel size for an aspect ratio and a {@code sampleImageSize} (1K, 2K, 4K; anything else is 1K,
     * an unknown ratio is 1:1). The five ratios Imagen 4 documents keep Imagen 4's sizes at 1K and 2K
     * (2K doubles both sides); the ratios only Gemini's image models take (2:3, 3:2, 4:5, 5:4, 21:9)
     * use Gemini 3 Pro Image's 1K sizes, doubled at 2K; 4K is Gemini 3 Pro Image's 4K size, four
     * times its 1K sides (about 16 MP).
     */
    public static int[] dimensions(String aspectRatio, String sampleImageSize) {
        String ratio = aspectRatio == null ? "1:1" : aspectRatio.trim();
        String size = sampleImageSize == null ? "1K" : sampleImageSize.trim().toUpperCase(Locale.ROOT);
        if ("4K".equals(size)) {
            int[] gemini = gemini1k(ratio);
            return new int[] {gemini[0] * 4, gemini[1] * 4};
        }
        int scale = "2K".equals(size) ? 2 : 1;
        int[] base = switch (ratio) {
            case "3:4" -> new int[] {896, 1280};
            case "4:3" -> new int[] {1280, 896};
            case "9:16" -> new int[] {768, 1408};
            case "16:9" -> new int[] {1408, 768};
            case "2:3", "3:2", "4:5", "5:4", "21:9" -> gemini1k(ratio);
            default -> new int[] {1024, 1024};
        };
        return new int[] {base[0] * scale, base[1] * scale};
    }

    /** Gemini 3 Pro Image's 1K sizes (its 2K and 4K double and quadruple them). */
    private static int[] gemini1k(String ratio) {
        return switch (ratio) {
            case "2:3" -> new int[] {848, 1264};
            case "3:2" -> new int[] {1264, 848};
            case "3:4" -> new int[] {896, 1200};
            case "4:3" -> new int[] {1200, 896};
            case "4:5" -> new int[] {928, 1152};
            case "5:4" -> new int[] {1152, 928};
            case "9:16" -> new int[] {768, 1376};
            case "16:9" -> new int[] {1376, 768};
            case "21:9" -> new int[] {1584, 672};
            default -> new int[] {1024, 1024};
        };
    }

    /**
     * Paints and encodes one image. {@code compressionQuality} (0-100) applies to JPEG only, as in
     * Imagen. CPU-bound: call it off the event loop.
     */
    public static byte[] paint(long seed, int width, int height, String mimeType, int compressionQuality) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("invalid size " + width + "x" + height);
        }
        if (!canEncode(mimeType)) {
            throw new IllegalArgumentException("cannot encode " + mimeType);
        }
        int[] rgb = render(seed, width, height);
        if (PNG.equals(mimeType)) {
            return PngEncoder.encode(rgb, width, height);
        }
        return ImageIoEncoder.encode(rgb, width, height, mimeType, compressionQuality);
    }

    /** The picture as {@code 0xRRGGBB} pixels, row by row. */
    static int[] render(long seed, int w, int h) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] palette = PALETTES[random.nextInt(PALETTES.length)];
        float hueShift = (float) random.nextDouble(-0.06, 0.06);
        int skyTop = shift(palette[0], hueShift);
        int skyLow = shift(palette[1], hueShift);
        int light = palette[2];
        int[] px = new int[w * h];
        int horizon = Math.max(1, Math.min(h - 1, (int) (h * random.nextDouble(0.52, 0.68))));

        // sky: a vertical gradient, one colour per row
        for (int y = 0; y < horizon; y++) {
            int c = lerp(skyTop, skyLow, horizon > 1 ? y / (double) (horizon - 1) : 0);
            Arrays.fill(px, y * w, y * w + w, c);
        }

        double sunX = w * random.nextDouble(0.15, 0.85);
        double sunY = horizon * random.nextDouble(0.25, 0.7);
        double sunR = Math.max(1.5, Math.min(w, h) * random.nextDouble(0.06, 0.12));
        boolean moon = luminance(palette[0]) < 35;
        if (moon) {
            stars(px, w, horizon, random);
            light = lerp(light, 0xFFFFFF, 0.3);
        }
        disc(px, w, horizon, sunX, sunY, sunR, light, moon, random);

        int layers = 3 + random.nextInt(2);
        for (int layer = 0; layer < layers; layer++) {
            double depth = (layer + 1.0) / layers;
            int color = shift(lerp(lerp(palette[3], palette[4], depth), palette[1], 0.55 * (1 - depth)), hueShift);
            ridge(px, w, horizon, h * (0.10 + 0.22 * (1 - depth)), depth, color, skyLow, random);
        }

        water(px, w, h, horizon, shift(lerp(palette[0], palette[4], 0.5), hueShift),
                shift(lerp(palette[0], palette[3], 0.8), hueShift), random);
        glitter(px, w, h, horizon, sunX, sunR, light, random);
        return px;
    }

    /** Stars in the upper sky of a night picture, one pixel each. */
    private static void stars(int[] px, int w, int horizon, SplittableRandom random) {
        int top = Math.max(1, (int) (horizon * 0.7));
        int count = Math.min(6000, (int) ((long) w * top / 2500));
        for (int i = 0; i < count; i++) {
            int x = random.nextInt(w);
            int y = random.nextInt(top);
            int i0 = y * w + x;
            px[i0] = mix(px[i0], 0xFFFFFF, 60 + random.nextInt(180));
        }
    }

    /** The sun (a glow and a disc) or the moon (a fainter glow, a paler disc with darker maria). */
    private static void disc(int[] px, int w, int horizon, double cx, double cy, double r, int color, boolean moon,
            SplittableRandom random) {
        double glow = r * (moon ? 2.4 : 3.2);
        double peak = moon ? 90 : 170;
        double[] maria = new double[moon ? 3 * (3 + random.nextInt(3)) : 0];
        for (int i = 0; i < maria.length; i += 3) {
            maria[i] = cx + random.nextDouble(-0.6, 0.6) * r;
            maria[i + 1] = cy + random.nextDouble(-0.6, 0.6) * r;
            maria[i + 2] = r * random.nextDouble(0.12, 0.3);
        }
        int maColor = lerp(color, 0x8A8F9A, 0.4);
        int x0 = Math.max(0, (int) Math.floor(cx - glow));
        int x1 = Math.min(w - 1, (int) Math.ceil(cx + glow));
        int y0 = Math.max(0, (int) Math.floor(cy - glow));
        int y1 = Math.min(horizon - 1, (int) Math.ceil(cy + glow));
        double glow2 = glow * glow;
        for (int y = y0; y <= y1; y++) {
            double dy = y + 0.5 - cy;
            double dy2 = dy * dy;
            int row = y * w;
            for (int x = x0; x <= x1; x++) {
                double dx = x + 0.5 - cx;
                double d2 = dx * dx + dy2;
                if (d2 >= glow2) {
                    continue;
                }
                double d = Math.sqrt(d2);
                double u = d / glow;
                // alpha falls from peak to peak/2.8 over the first 30 % of the glow, then to 0
                double alpha = u < 0.3 ? peak - (peak - peak / 2.8) * (u / 0.3) : (peak / 2.8) * (1 - u) / 0.7;
                int p = mix(px[row + x], color, (int) (alpha * 256 / 255 + 0.5));
                double coverage = r + 0.5 - d;
                if (coverage > 0) {
                    int c = color;
                    for (int i = 0; i < maria.length; i += 3) {
                        double mx = x + 0.5 - maria[i];
                        double my = y + 0.5 - maria[i + 1];
                        double m = maria[i + 2] + 0.5 - Math.sqrt(mx * mx + my * my);
                        if (m > 0) {
                            c = mix(c, maColor, alpha256(Math.min(1, m / 3) * 0.6));
                        }
                    }
                    p = mix(p, c, alpha256(coverage));
                }
                px[row + x] = p;
            }
        }
    }

    /** One layer of hills: a sum of sines as the ridge, anti-aliased, misty toward the horizon. */
    private static void ridge(int[] px, int w, int horizon, double amplitude, double depth, int color, int mist,
            SplittableRandom random) {
        double phase1 = random.nextDouble(0, TAU);
        double phase2 = random.nextDouble(0, TAU);
        double phase3 = random.nextDouble(0, TAU);
        double f1 = random.nextDouble(1.2, 3.0) / w * TAU;
        double f2 = random.nextDouble(4.0, 9.0) / w * TAU;
        double f3 = random.nextDouble(14.0, 30.0) / w * TAU;
        double base = horizon - amplitude * 0.15 * (1 - depth);
        double[] top = new double[w];
        double highest = horizon;
        for (int x = 0; x < w; x++) {
            double xc = x + 0.5;
            top[x] = base - amplitude * (0.55 + 0.33 * StrictMath.sin(xc * f1 + phase1)
                    + 0.09 * StrictMath.sin(xc * f2 + phase2) + 0.03 * StrictMath.sin(xc * f3 + phase3));
            highest = Math.min(highest, top[x]);
        }
        int first = Math.max(0, (int) Math.floor(highest));
        double span = Math.max(1, horizon - highest);
        for (int y = first; y < horizon; y++) {
            // mist: the hill fades toward the horizon colour near its foot, more for far layers
            int c = lerp(color, mist, (0.12 + 0.25 * (1 - depth)) * Math.max(0, (y - highest) / span));
            int row = y * w;
            for (int x = 0; x < w; x++) {
                double t = top[x];
                if (y >= t) {
                    px[row + x] = c;
                } else if (y + 1 > t) {
                    px[row + x] = mix(px[row + x], c, alpha256(y + 1 - t));
                }
            }
        }
    }

    /** Water below the horizon: a gradient with the mirrored landscape, rippled and fading with distance. */
    private static void water(int[] px, int w, int h, int horizon, int near, int far, SplittableRandom random) {
        double rippleF = random.nextDouble(0.35, 0.75);
        double ripplePhase = random.nextDouble(0, TAU);
        double rippleF2 = random.nextDouble(0.05, 0.12);
        int depth = h - horizon;
        for (int y = horizon; y < h; y++) {
            double t = depth > 1 ? (y - horizon) / (double) (depth - 1) : 0;
            int c = lerp(near, far, t);
            int src = horizon - 1 - (y - horizon);
            int row = y * w;
            if (src < 0) {
                Arrays.fill(px, row, row + w, c);
                continue;
            }
            double amp = w * 0.003 * (1 + 4 * t);
            int shift = (int) Math.round(amp * (0.7 * StrictMath.sin(y * rippleF + ripplePhase)
                    + 0.3 * StrictMath.sin(y * rippleF2 + 2 * ripplePhase)));
            int a = alpha256(0.5 - 0.3 * t);
            int srcRow = src * w;
            for (int x = 0; x < w; x++) {
                int sx = Math.min(w - 1, Math.max(0, x + shift));
                px[row + x] = mix(c, px[srcRow + sx], a);
            }
        }
    }

    /** Short bright strokes on the water under the sun or moon. */
    private static void glitter(int[] px, int w, int h, int horizon, double sunX, double sunR, int color,
            SplittableRandom random) {
        int thickness = Math.max(1, Math.round(h / 400f));
        for (int i = 0; i < 24; i++) {
            int y = horizon + (int) ((h - horizon) * StrictMath.pow(random.nextDouble(), 1.6));
            int len = (int) (w * random.nextDouble(0.02, 0.12) * (1 + (y - horizon) * 2.0 / h));
            int x = (int) (sunX + random.nextDouble(-1, 1) * sunR * 2.5 * (1 + (y - horizon) * 1.5 / h)) - len / 2;
            int a = (60 + random.nextInt(120)) * 256 / 255;
            int xa = Math.max(0, x);
            int xb = Math.min(w, x + len + 1);
            for (int yy = y; yy < Math.min(h, y + thickness); yy++) {
                int row = yy * w;
                for (int xx = xa; xx < xb; xx++) {
                    px[row + xx] = mix(px[row + xx], color, a);
                }
            }
        }
    }

    /** A coverage or opacity in [0, 1] as a blend weight in [0, 256]. */
    private static int alpha256(double v) {
        return v <= 0 ? 0 : v >= 1 ? 256 : (int) (v * 256 + 0.5);
    }

    /** {@code dst} blended toward {@code src} by {@code a}/256, two channels per multiply. */
    private static int mix(int dst, int src, int a) {
        int b = 256 - a;
        int rb = (((dst & 0xFF00FF) * b + (src & 0xFF00FF) * a) >>> 8) & 0xFF00FF;
        int g = (((dst & 0x00FF00) * b + (src & 0x00FF00) * a) >>> 8) & 0x00FF00;
        return rb | g;
    }

    private static int lerp(int a, int b, double t) {
        double u = Math.max(0, Math.min(1, t));
        int r = (int) (((a >> 16) & 0xFF) + (((b >> 16) & 0xFF) - ((a >> 16) & 0xFF)) * u);
        int g = (int) (((a >> 8) & 0xFF) + (((b >> 8) & 0xFF) - ((a >> 8) & 0xFF)) * u);
        int bl = (int) ((a & 0xFF) + ((b & 0xFF) - (a & 0xFF)) * u);
        return (r << 16) | (g << 8) | bl;
    }

    private static double luminance(int c) {
        return 0.299 * ((c >> 16) & 0xFF) + 0.587 * ((c >> 8) & 0xFF) + 0.114 * (c & 0xFF);
    }

    /** The colour with its hue turned by {@code hueShift} (a fraction of the colour wheel). */
    static int shift(int rgb, float hueShift) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        if (max == min) {
            return rgb & 0xFFFFFF;
        }
        float value = max / 255f;
        float saturation = (max - min) / (float) max;
        float rc = (max - r) / (float) (max - min);
        float gc = (max - g) / (float) (max - min);
        float bc = (max - b) / (float) (max - min);
        float hue = r == max ? bc - gc : g == max ? 2f + rc - bc : 4f + gc - rc;
        hue /= 6f;
        hue = ((hue + hueShift) % 1f + 1f) % 1f;
        float sector = hue * 6f;
        int i = Math.min(5, (int) sector);
        float f = sector - i;
        float p = value * (1 - saturation);
        float q = value * (1 - saturation * f);
        float t = value * (1 - saturation * (1 - f));
        float[] c = switch (i) {
            case 0 -> new float[] {value, t, p};
            case 1 -> new float[] {q, value, p};
            case 2 -> new float[] {p, value, t};
            case 3 -> new float[] {p, q, value};
            case 4 -> new float[] {t, p, value};
            default -> new float[] {value, p, q};
        };
        return (channel(c[0]) << 16) | (channel(c[1]) << 8) | channel(c[2]);
    }

    private static int channel(float v) {
        return Math.max(0, Math.min(255, (int) (v * 255f + 0.5f)));
    }

    /**
     * What ImageIO can write here, probed once on first use: the holder class is initialised only
     * when a non-PNG type (or the full list) is asked for, so a PNG-only process never touches ImageIO.
     */
    private static final class ImageIoProbe {
        static final Set<String> TYPES = probe();
        static final List<String> ENCODABLE;

        static {
            List<String> all = new ArrayList<>();
            all.add(PNG);
            for (String type : IMAGE_IO_TYPES) {
                if (TYPES.contains(type)) {
                    all.add(type);
                }
            }
            ENCODABLE = Collections.unmodifiableList(all);
        }

        private static Set<String> probe() {
            try {
                return ImageIoEncoder.writableTypes(IMAGE_IO_TYPES);
            } catch (LinkageError | Exception e) {
                // e.g. a native image built without AWT: Quarkus substitutes ImageIO's registry to throw
                System.getLogger(ImagePainter.class.getName()).log(System.Logger.Level.INFO,
                        "ImageIO is not available (" + e + "); the simulator encodes PNG only");
                return Set.of();
            }
        }
    }
}
