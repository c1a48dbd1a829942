package io.jcluster.runtime.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WireTest {

    @Test
    void roundTripKeepsTypeFieldsAndOrder() throws IOException {
        WireMessage hello = WireMessage.of(MessageTypes.HELLO, "slot", 3, "generation", 7L, "pid", 4242, "version", "0.1.0");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Wire.write(out, hello);
        Wire.write(out, WireMessage.of(MessageTypes.READY));

        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        WireMessage read = Wire.read(in);
        assertEquals(hello, read);
        assertEquals(List.of("slot", "generation", "pid", "version"), List.copyOf(read.fields().keySet()));
        assertEquals(3, read.getInt("slot", -1));
        assertEquals(7L, read.getLong("generation", -1));
        assertEquals(WireMessage.of(MessageTypes.READY), Wire.read(in));
        assertNull(Wire.read(in), "clean EOF between frames");
    }

    @Test
    void payloadIsTheDocumentedText() {
        byte[] frame = Wire.encode(WireMessage.of("drain", "timeoutMillis", 5000));
        byte[] payload = "drain\ntimeoutMillis=5000\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(payload.length, ByteBuffer.wrap(frame).getInt());
        assertArrayEquals(payload, Arrays.copyOfRange(frame, 4, frame.length));
    }

    @Test
    void escapesBackslashNewlineAndCarriageReturn() throws IOException {
        String tricky = "a\\b\nc\rd=e \\n é ☃ \uD83D\uDE00";
        WireMessage m = WireMessage.of("error", "message", tricky, "empty", "");
        byte[] payload = Wire.encodePayload(m);
        assertEquals("error\nmessage=a\\\\b\\nc\\rd=e \\\\n é ☃ \uD83D\uDE00\nempty=\n",
                new String(payload, StandardCharsets.UTF_8));
        WireMessage back = Wire.decodePayload(payload);
        assertEquals(tricky, back.get("message"));
        assertEquals("", back.get("empty"));
    }

    @Test
    void decodesWithoutFinalNewlineAndIgnoresNothingElse() throws IOException {
        WireMessage m = Wire.decodePayload("heartbeat\nseq=1\nfuture.field=x".getBytes(StandardCharsets.UTF_8));
        assertEquals("heartbeat", m.type());
        assertEquals(Map.of("seq", "1", "future.field", "x"), m.fields());
    }

    @Test
    void numbersFallBackToTheDefault() {
        WireMessage m = WireMessage.of("heartbeat", "seq", "x", "big", Long.MAX_VALUE);
        assertEquals(-1, m.getLong("seq", -1));
        assertEquals(-1, m.getLong("absent", -1));
        assertEquals(Long.MAX_VALUE, m.getLong("big", -1));
        assertEquals(9, m.getInt("big", 9));
        assertNull(m.get("absent"));
    }

    @Test
    void messagesAreImmutableAndValidated() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("a", "1");
        WireMessage m = new WireMessage("x", fields);
        fields.put("b", "2");
        assertEquals(Map.of("a", "1"), m.fields());
        assertThrows(UnsupportedOperationException.class, () -> m.fields().put("c", "3"));
        assertThrows(IllegalArgumentException.class, () -> new WireMessage("", Map.of()));
        assertThrows(NullPointerException.class, () -> new WireMessage(null, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> WireMessage.of("x", "odd"));
        assertThrows(IllegalArgumentException.class, () -> WireMessage.of("x", 1, "notAKey"));
        assertEquals(Map.of(), new WireMessage("x", null).fields());
    }

    @Test
    void encodeRefusesBadKeysTypesAndOversizedMessages() {
        assertThrows(IllegalArgumentException.class, () -> Wire.encode(WireMessage.of("x", "bad key", 1)));
        assertThrows(IllegalArgumentException.class, () -> Wire.encode(WireMessage.of("x", "a=b", 1)));
        assertThrows(IllegalArgumentException.class, () -> Wire.encode(WireMessage.of("bad\ntype")));
        assertThrows(IllegalArgumentException.class, () -> Wire.encode(WireMessage.of("x", "big", "v".repeat(Wire.MAX_FRAME))));
        // Exactly at the limit is fine.
        String fill = "v".repeat(Wire.MAX_FRAME - "x\nk=\n".length());
        assertEquals(Wire.MAX_FRAME + 4, Wire.encode(WireMessage.of("x", "k", fill)).length);
    }

    @Test
    void malformedPayloadsAreWireExceptions() {
        for (String bad : List.of("", "\n", "\nk=v\n", "x\nno-equals\n", "x\n\n", "x\n=v\n", "x\nk y=v\n",
                "x\nk=a\\\n", "x\nk=\\t\n", "x\nk=1\nk=2\n", "bad type\n")) {
            assertThrows(WireException.class, () -> Wire.decodePayload(bad.getBytes(StandardCharsets.UTF_8)),
                    () -> "should refuse " + bad.replace("\n", "\\n"));
        }
        assertThrows(WireException.class, () -> Wire.decodePayload(new byte[] {'x', '\n', 'k', '=', (byte) 0xC3}),
                "truncated UTF-8");
        assertThrows(WireException.class, () -> Wire.decodePayload(new byte[] {(byte) 0xFF, 'x'}), "not UTF-8");
        assertThrows(WireException.class, () -> Wire.decodePayload(new byte[Wire.MAX_FRAME + 1]));
    }

    @Test
    void oversizedTruncatedAndGarbageFramesAreWireExceptions() throws IOException {
        assertThrows(WireException.class, () -> Wire.read(frameOfLength(Wire.MAX_FRAME + 1, 0)));
        assertThrows(WireException.class, () -> Wire.read(frameOfLength(-1, 0)), "length above 2^31");
        assertThrows(WireException.class, () -> Wire.read(new ByteArrayInputStream(new byte[] {0, 0})), "truncated length");
        assertThrows(WireException.class, () -> Wire.read(frameOfLength(10, 3)), "truncated payload");
        assertThrows(WireException.class, () -> Wire.read(frameOfLength(0, 0)), "empty payload");
        byte[] valid = Wire.encode(WireMessage.of("stop"));
        assertThrows(WireException.class, () -> Wire.read(new ByteArrayInputStream(valid, 0, valid.length - 1)));
        assertNull(Wire.read(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void decodePayloadOfRandomBytesOnlyEverThrowsWireException() {
        Random random = new Random(20240601);
        byte[] alphabet = "ab=\\\nrn\r.-_ \u00e9".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = new byte[random.nextInt(64)];
            boolean textish = random.nextBoolean();
            for (int j = 0; j < payload.length; j++) {
                payload[j] = textish ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            try {
                WireMessage m = Wire.decodePayload(payload);
                // Whatever decodes must survive a round trip.
                assertEquals(m, Wire.decodePayload(Wire.encodePayload(m)));
            } catch (WireException expected) {
                // fine
            } catch (RuntimeException e) {
                fail("decodePayload threw " + e + " for " + Arrays.toString(payload), e);
            }
        }
    }

    @Test
    void readsAndWritesOverAUnixSocketChannel(@TempDir Path dir) throws IOException {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("w.sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(address);
             SocketChannel client = SocketChannel.open(address);
             SocketChannel accepted = server.accept()) {
            WireMessage big = WireMessage.of("heartbeat", "blob", "z".repeat(Wire.MAX_FRAME - 32));
            Wire.write(client, big);
            Wire.write(client, WireMessage.of("ready"));
            assertEquals(big, Wire.read(accepted));
            assertEquals("ready", Wire.read(accepted).type());
            client.shutdownOutput();
            assertNull(Wire.read(accepted));
            // The channel and stream forms agree.
            Wire.write(Channels.newOutputStream(accepted), WireMessage.of("stop"));
            assertEquals("stop", Wire.read(client).type());
        }
    }

    @Test
    void namesAreChecked() {
        assertTrue(Wire.isName("app.requests_total-1"));
        for (String bad : new String[] {null, "", "a b", "a=b", "é", "a\n"}) {
            assertTrue(!Wire.isName(bad), bad);
        }
    }

    private static ByteArrayInputStream frameOfLength(int declared, int actual) {
        return new ByteArrayInputStream(ByteBuffer.allocate(4 + actual).putInt(declared).array());
    }
}
