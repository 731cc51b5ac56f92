package imagen.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 3629 in {@link StrictUtf8.Guard}: UTF-8 passes unchanged, from the first byte that breaks a sequence each byte that cannot stand becomes 0xC0. */
class StrictUtf8Test {

    @Test
    void passesUtf8Unchanged() throws IOException {
        byte[] text = "{\"prompt\":\"caf\u00e9 \u20ac \ud83d\ude00 \u0800 \uffff \udbff\udfff\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(readInPieces(text, 1)).isEqualTo(text);
        assertThat(readInPieces(text, 7)).isEqualTo(text);
        assertThat(readInPieces(text, 4096)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "byte FF (key padding),     FF,             C0",
        "overlong slash,            C0 AF,          C0 C0",
        "overlong two-byte,         C1 BF,          C0 C0",
        "overlong three-byte,       E0 80 AF,       E0 C0 C0",
        "overlong four-byte,        F0 80 80 AF,    F0 C0 C0 C0",
        "encoded surrogate,         ED A0 80,       ED C0 C0",
        "past U+10FFFF,             F4 90 80 80,    F4 C0 C0 C0",
        "lead byte F5,              F5 80 80 80,    C0 C0 C0 C0",
        "stray continuation,        80,             C0",
        "lead without continuation, C3 28,          C3 C0",
        "byte FE,                   FE,             C0"})
    void marksTheFirstForbiddenByte(String what, String in, String out) throws IOException {
        byte[] given = concat("\"a".getBytes(StandardCharsets.US_ASCII), hex(in), "b\"".getBytes(StandardCharsets.US_ASCII));
        byte[] expected = concat("\"a".getBytes(StandardCharsets.US_ASCII), hex(out), "b\"".getBytes(StandardCharsets.US_ASCII));
        assertThat(readInPieces(given, 1)).isEqualTo(expected);
        assertThat(readInPieces(given, 3)).isEqualTo(expected);
        assertThat(readOneByOne(given)).isEqualTo(expected);
    }

    private static byte[] readInPieces(byte[] bytes, int piece) throws IOException {
        InputStream in = new StrictUtf8.Guard(new ByteArrayInputStream(bytes));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[piece];
        for (int n; (n = in.read(buffer, 0, piece)) >= 0;) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static byte[] readOneByOne(byte[] bytes) throws IOException {
        InputStream in = new StrictUtf8.Guard(new ByteArrayInputStream(bytes));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0;) {
            out.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] hex(String spaced) {
        String[] parts = spaced.trim().split("\\s+");
        byte[] bytes = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }
}
