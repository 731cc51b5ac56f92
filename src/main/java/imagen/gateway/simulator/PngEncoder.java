package imagen.gateway.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A PNG encoder for {@code 0xRRGGBB} pixels with nothing but {@link Deflater} and {@link CRC32}:
 * 8-bit truecolour, no alpha, no interlacing. Each row is filtered with Sub or Up, whichever gives
 * the smaller sum of absolute differences (the usual heuristic; both are cheap, and on the painter's
 * gradients they turn most bytes into small values that deflate well). The output depends only on
 * the pixels: same pixels, same bytes.
 */
final class PngEncoder {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] IHDR = "IHDR".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IDAT = "IDAT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IEND = "IEND".getBytes(StandardCharsets.US_ASCII);
    private static final int FILTER_SUB = 1;
    private static final int FILTER_UP = 2;
    /** Deflate level: 4 is what the JDK's own PNG writer uses; level 6-9 cost far more time for a few %. */
    private static final int LEVEL = 4;
    /** Compressed bytes per IDAT chunk. */
    private static final int CHUNK = 1 << 16;

    private PngEncoder() {
    }

    static byte[] encode(int[] rgb, int width, int height) {
        if (width <= 0 || height <= 0 || rgb.length < (long) width * height) {
            throw new IllegalArgumentException("invalid raster " + width + "x" + height);
        }
        int stride = width * 3;
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, width * height / 4));
        out.writeBytes(SIGNATURE);

        byte[] header = new byte[13];
        putInt(header, 0, width);
        putInt(header, 4, height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour
        // compression 0 (deflate), filter method 0 (adaptive), interlace 0 (none)
        chunk(out, IHDR, header, header.length);

        byte[] prev = new byte[stride];
        byte[] cur = new byte[stride];
        byte[] sub = new byte[stride + 1];
        byte[] up = new byte[stride + 1];
        sub[0] = FILTER_SUB;
        up[0] = FILTER_UP;
        byte[] zbuf = new byte[CHUNK];
        int zlen = 0;
        Deflater deflater = new Deflater(LEVEL);
        try {
            for (int y = 0; y < height; y++) {
                int row = y * width;
                for (int x = 0, i = 0; x < width; x++, i += 3) {
                    int p = rgb[row + x];
                    cur[i] = (byte) (p >> 16);
                    cur[i + 1] = (byte) (p >> 8);
                    cur[i + 2] = (byte) p;
                }
                long sumSub = 0;
                long sumUp = 0;
                for (int i = 0; i < stride; i++) {
                    int left = i >= 3 ? cur[i - 3] : 0;
                    byte s = (byte) (cur[i] - left);
                    byte u = (byte) (cur[i] - prev[i]);
                    sub[i + 1] = s;
                    up[i + 1] = u;
                    sumSub += Math.abs(s);
                    sumUp += Math.abs(u);
                }
                // the first row's "up" neighbour is zero: Up would equal no filter, Sub is as cheap and better
                deflater.setInput(y > 0 && sumUp < sumSub ? up : sub);
                while (!deflater.needsInput()) {
                    zlen += deflater.deflate(zbuf, zlen, CHUNK - zlen);
                    if (zlen == CHUNK) {
                        chunk(out, IDAT, zbuf, zlen);
                        zlen = 0;
                    }
                }
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
            deflater.finish();
            while (!deflater.finished()) {
                zlen += deflater.deflate(zbuf, zlen, CHUNK - zlen);
                if (zlen == CHUNK) {
                    chunk(out, IDAT, zbuf, zlen);
                    zlen = 0;
                }
            }
            if (zlen > 0) {
                chunk(out, IDAT, zbuf, zlen);
            }
        } finally {
            deflater.end();
        }
        chunk(out, IEND, new byte[0], 0);
        return out.toByteArray();
    }

    /** length, type, data, CRC-32 of type and data */
    private static void chunk(ByteArrayOutputStream out, byte[] type, byte[] data, int length) {
        byte[] word = new byte[4];
        putInt(word, 0, length);
        out.write(word, 0, 4);
        out.write(type, 0, 4);
        out.write(data, 0, length);
        CRC32 crc = new CRC32();
        crc.update(type, 0, 4);
        crc.update(data, 0, length);
        putInt(word, 0, (int) crc.getValue());
        out.write(word, 0, 4);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
