package imagen.gateway.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

/**
 * Request bodies are UTF-8 exactly (RFC 3629). Jackson's parser refuses most broken bytes but
 * decodes an overlong sequence ({@code C0 AF} as {@code /}) and code points past U+10FFFF, and it
 * looks a key up by its raw bytes padded with {@code 0xFF}: {@code "negativeProm\xFFpt"} is taken
 * for {@code negativePrompt} once that name has been seen. This stream turns each byte that cannot
 * stand where it is (from the one that breaks a sequence on) into {@code 0xC0}, a lead byte never
 * valid and never followed by a continuation here, which the parser refuses where it stands, so
 * the 400 still names the field it is in. Valid UTF-8 passes unchanged.
 */
@Provider
@ConstrainedTo(RuntimeType.SERVER)
public class StrictUtf8 implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        context.setInputStream(new Guard(context.getInputStream()));
        return context.proceed();
    }

    /** Passes UTF-8 through unchanged; marks each byte that breaks or continues a forbidden sequence. */
    static final class Guard extends FilterInputStream {

        /** Never valid; not 0xFF, which the parser takes for padding in a key. */
        private static final byte REFUSED = (byte) 0xC0;

        /** Continuation bytes still expected in the current sequence. */
        private int pending;
        /** The range the next continuation byte must be in (narrower after E0, ED, F0, F4). */
        private int low = 0x80;
        private int high = 0xBF;

        Guard(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            return b < 0 ? b : check(b) & 0xFF;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            for (int i = offset; i < offset + Math.max(n, 0); i++) {
                buffer[i] = (byte) check(buffer[i] & 0xFF);
            }
            return n;
        }

        private int check(int b) {
            if (pending > 0) {
                if (b >= low && b <= high) {
                    pending--;
                    low = 0x80;
                    high = 0xBF;
                    return b;
                }
                pending = 0;
                low = 0x80;
                high = 0xBF;
                return REFUSED;
            }
            if (b < 0x80) {
                return b;
            }
            if (b >= 0xC2 && b <= 0xDF) {
                pending = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                pending = 2;
                low = b == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
                high = b == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
            } else if (b >= 0xF0 && b <= 0xF4) {
                pending = 3;
                low = b == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
                high = b == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be past U+10FFFF
            } else {
                return REFUSED; // a stray continuation byte, C0, C1, F5..FF
            }
            return b;
        }
    }
}
