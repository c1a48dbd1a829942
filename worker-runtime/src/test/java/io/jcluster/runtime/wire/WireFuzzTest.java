package io.jcluster.runtime.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Valid frames of every message type, mutated at random (bits flipped, bytes inserted, deleted and
 * duplicated, the length rewritten, frames cut short or spliced), fed to every reader of the wire
 * format. A reader returns messages (which survive a round trip), the clean end of the stream, or
 * a {@link WireException}: never another exception, never a hang. Fixed seeds, so a failure replays.
 */
class WireFuzzTest {
    private static final int CASES = 15_000;

    private static List<byte[]> validFrames() {
        List<WireMessage> messages = List.of(
                WireMessage.of(MessageTypes.HELLO, "slot", 0, "generation", 3, "pid", 4242, "version", "0.1.0"),
                WireMessage.of(MessageTypes.READY),
                WireMessage.of(MessageTypes.HEARTBEAT, "seq", 17, "uptimeMillis", 120034, "heapUsed", 1 << 24,
                        "heapCommitted", 1 << 25, "heapMax", -1, "threads", 31, "cpuNanos", 9_000_000_000L, "deadlocked", 0,
                        "app.requests", 123456, "app.p99_micros", 870),
                WireMessage.of(MessageTypes.DRAINED, "inflight", 0),
                WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", 5000),
                WireMessage.of(MessageTypes.LISTENER, "slot", 1, "generation", 2, "pid", 77),
                WireMessage.of(MessageTypes.ERROR, "message", "a\\b\nc\rd=e \u00e9 \u2603 \uD83D\uDE00"));
        List<byte[]> frames = new ArrayList<>();
        for (WireMessage m : messages) frames.add(Wire.encode(m));
        return frames;
    }

    @Test
    void mutatedStreamsOfFramesOnlyEverGiveMessagesOrWireExceptions() throws IOException {
        Random random = new Random(0xf4a3e5L);
        List<byte[]> frames = validFrames();
        int messages = 0;
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int n = 1 + random.nextInt(3); n > 0; n--) stream.writeBytes(frames.get(random.nextInt(frames.size())));
            byte[] bytes = mutate(stream.toByteArray(), random);
            boolean viaChannel = random.nextBoolean();
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            try {
                for (int guard = 0; guard < 100; guard++) {
                    WireMessage m = viaChannel ? Wire.read(Channels.newChannel(in)) : Wire.read(in);
                    if (m == null) break;
                    assertEquals(m, Wire.decodePayload(Wire.encodePayload(m)), "a decoded message survives a round trip");
                    messages++;
                }
            } catch (WireException expected) {
                refused++;
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("case " + i + " threw " + e + " for " + HexFormat.of().formatHex(bytes), e);
            }
        }
        assertTrue(messages > CASES / 4 && refused > CASES / 4, "messages " + messages + ", refused " + refused);
    }

    @Test
    void mutatedPayloadsOnlyEverDecodeOrThrowWireException() {
        Random random = new Random(0xdec0deL);
        List<byte[]> frames = validFrames();
        int decoded = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] frame = frames.get(random.nextInt(frames.size()));
            byte[] payload = mutate(Arrays.copyOfRange(frame, 4, frame.length), random);
            try {
                WireMessage m = Wire.decodePayload(payload);
                assertEquals(m, Wire.decodePayload(Wire.encodePayload(m)));
                decoded++;
            } catch (WireException expected) {
                // fine
            } catch (RuntimeException | StackOverflowError e) {
                fail("case " + i + " threw " + e + " for " + HexFormat.of().formatHex(payload), e);
            }
        }
        assertTrue(decoded > CASES / 20, "decoded " + decoded);
    }

    /** One to four mutations, byte-level and frame-level. */
    private static byte[] mutate(byte[] in, Random random) {
        byte[] b = in;
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            int p = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(9)) {
                case 0 -> { if (b.length > 0) b[p] ^= (byte) (1 << random.nextInt(8)); }
                case 1 -> { if (b.length > 0) b[p] = (byte) random.nextInt(256); }
                case 2 -> b = splice(b, p, p, new byte[] {(byte) "=\n\\\u0000xr".charAt(random.nextInt(6))});
                case 3 -> { if (b.length > 0) b = splice(b, p, Math.min(b.length, p + 1 + random.nextInt(6)), new byte[0]); }
                case 4 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1)); // cut short
                case 5 -> { // duplicate a run
                    int q = Math.min(b.length, p + 1 + random.nextInt(16));
                    b = splice(b, q, q, Arrays.copyOfRange(b, p, q));
                }
                case 6 -> { // rewrite the first length: off by a little, huge, negative
                    if (b.length >= 4) {
                        int[] lengths = {0, 1, -1, Integer.MIN_VALUE, Wire.MAX_FRAME, Wire.MAX_FRAME + 1, 3, 1 << 20};
                        int len = random.nextBoolean() ? lengths[random.nextInt(lengths.length)]
                                : ((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff)) + random.nextInt(9) - 4;
                        b[0] = (byte) (len >>> 24);
                        b[1] = (byte) (len >>> 16);
                        b[2] = (byte) (len >>> 8);
                        b[3] = (byte) len;
                    }
                }
                case 7 -> { // invalid UTF-8 and surrogates
                    byte[][] bad = {{(byte) 0xC3}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xF4, (byte) 0x90, 0, 0}};
                    b = splice(b, p, p, bad[random.nextInt(bad.length)]);
                }
                default -> { // a long value
                    byte[] fill = new byte[random.nextInt(4096)];
                    Arrays.fill(fill, (byte) 'v');
                    b = splice(b, p, p, fill);
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] with) {
        byte[] out = new byte[b.length - (to - from) + with.length];
        System.arraycopy(b, 0, out, 0, from);
        System.arraycopy(with, 0, out, from, with.length);
        System.arraycopy(b, to, out, from + with.length, b.length - to);
        return out;
    }
}
