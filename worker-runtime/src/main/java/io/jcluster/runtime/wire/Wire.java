package io.jcluster.runtime.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frame format of the worker channel, defined once for the agent, the app API and the primary.
 *
 * <p>A frame is a 4-byte big-endian payload length, then the payload: UTF-8 text, the message type
 * on the first line, then one {@code key=value} line per field, every line ending with {@code \n}.
 * In values {@code \} is written {@code \\}, a newline {@code \n} and a carriage return
 * {@code \r}. Types and keys match {@code [a-zA-Z0-9_.-]+}.
 *
 * <p>All methods are stateless. The stream and channel methods do no locking of their own: callers
 * that write from several threads serialize the writes themselves.
 */
public final class Wire {

    /** The largest payload of a frame, in bytes (the 4-byte length is not counted). */
    public static final int MAX_FRAME = 65536;

    private static final int HEADER = 4;

    private Wire() {
    }

    /**
     * The whole frame: length and payload.
     *
     * @throws IllegalArgumentException if the type or a key is not {@code [a-zA-Z0-9_.-]+}, or the
     *                                  payload would exceed {@link #MAX_FRAME}
     */
    public static byte[] encode(WireMessage m) {
        byte[] payload = encodePayload(m);
        return ByteBuffer.allocate(HEADER + payload.length).putInt(payload.length).put(payload).array();
    }

    /**
     * The payload only, for transports that write the length themselves (e.g. netty's
     * {@code LengthFieldPrepender}).
     *
     * @throws IllegalArgumentException as {@link #encode(WireMessage)}
     */
    public static byte[] encodePayload(WireMessage m) {
        if (!isName(m.type())) {
            throw new IllegalArgumentException("bad message type '" + m.type() + "': must be [a-zA-Z0-9_.-]+");
        }
        StringBuilder text = new StringBuilder(64).append(m.type()).append('\n');
        for (Map.Entry<String, String> field : m.fields().entrySet()) {
            if (!isName(field.getKey())) {
                throw new IllegalArgumentException("bad key '" + field.getKey() + "' in a " + m.type()
                        + " message: must be [a-zA-Z0-9_.-]+");
            }
            text.append(field.getKey()).append('=');
            escape(field.getValue(), text);
            text.append('\n');
        }
        byte[] payload = text.toString().getBytes(StandardCharsets.UTF_8);
        if (payload.length > MAX_FRAME) {
            throw new IllegalArgumentException("a " + m.type() + " message of " + payload.length
                    + " bytes exceeds the frame limit of " + MAX_FRAME);
        }
        return payload;
    }

    /**
     * Parses a payload (without its length).
     *
     * @throws WireException if it is longer than {@link #MAX_FRAME}, not UTF-8, has an empty or bad
     *                       type, a line without {@code =}, a bad key, a bad escape or a repeated key
     */
    public static WireMessage decodePayload(byte[] payload) throws WireException {
        if (payload.length > MAX_FRAME) {
            throw new WireException("frame of " + payload.length + " bytes exceeds the limit of " + MAX_FRAME);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new WireException("frame is not UTF-8", e);
        }
        int end = text.endsWith("\n") ? text.length() - 1 : text.length();
        int lineStart = 0;
        int lineEnd = lineEnd(text, lineStart, end);
        String type = text.substring(lineStart, lineEnd);
        if (type.isEmpty()) {
            throw new WireException("frame has an empty message type");
        }
        if (!isName(type)) {
            throw new WireException("bad message type '" + abbreviate(type) + "'");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        while (lineEnd < end) {
            lineStart = lineEnd + 1;
            lineEnd = lineEnd(text, lineStart, end);
            String line = text.substring(lineStart, lineEnd);
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new WireException("line without '=' in a " + type + " message: '" + abbreviate(line) + "'");
            }
            String key = line.substring(0, eq);
            if (!isName(key)) {
                throw new WireException("bad key '" + abbreviate(key) + "' in a " + type + " message");
            }
            if (fields.put(key, unescape(line, eq + 1, type)) != null) {
                throw new WireException("key '" + key + "' repeated in a " + type + " message");
            }
        }
        return new WireMessage(type, fields);
    }

    /**
     * Reads one frame from a blocking stream.
     *
     * @return the message, or null if the stream ended cleanly before a frame began
     * @throws WireException if the frame is oversized, truncated or malformed
     */
    public static WireMessage read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(HEADER);
        if (header.length == 0) {
            return null;
        }
        if (header.length < HEADER) {
            throw new WireException("truncated frame: the stream ended after " + header.length + " of 4 length bytes");
        }
        int length = checkLength(ByteBuffer.wrap(header).getInt());
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new WireException("truncated frame: the stream ended after " + payload.length + " of " + length + " bytes");
        }
        return decodePayload(payload);
    }

    /**
     * Reads one frame from a channel in blocking mode. A reader and a writer may use the same
     * {@link java.nio.channels.SocketChannel} from two threads at once.
     *
     * @return the message, or null if the channel ended cleanly before a frame began
     * @throws WireException                if the frame is oversized, truncated or malformed
     * @throws IllegalBlockingModeException if the channel is in non-blocking mode
     */
    public static WireMessage read(ReadableByteChannel ch) throws IOException {
        requireBlocking(ch);
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        int got = readFully(ch, header);
        if (got == 0) {
            return null;
        }
        if (got < HEADER) {
            throw new WireException("truncated frame: the channel ended after " + got + " of 4 length bytes");
        }
        int length = checkLength(header.flip().getInt());
        ByteBuffer payload = ByteBuffer.allocate(length);
        got = readFully(ch, payload);
        if (got < length) {
            throw new WireException("truncated frame: the channel ended after " + got + " of " + length + " bytes");
        }
        return decodePayload(payload.array());
    }

    /** Writes one frame and flushes the stream. */
    public static void write(OutputStream out, WireMessage m) throws IOException {
        out.write(encode(m));
        out.flush();
    }

    /**
     * Writes one frame to a channel in blocking mode.
     *
     * @throws IllegalBlockingModeException if the channel is in non-blocking mode
     */
    public static void write(WritableByteChannel ch, WireMessage m) throws IOException {
        requireBlocking(ch);
        ByteBuffer frame = ByteBuffer.wrap(encode(m));
        while (frame.hasRemaining()) {
            ch.write(frame);
        }
    }

    /** Whether {@code s} is a valid type or key: {@code [a-zA-Z0-9_.-]+}. */
    public static boolean isName(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int checkLength(int length) throws WireException {
        // A negative int is a length above 2^31 on the wire: oversized too.
        if (length < 0 || length > MAX_FRAME) {
            throw new WireException("frame length " + Integer.toUnsignedString(length)
                    + " exceeds the limit of " + MAX_FRAME);
        }
        return length;
    }

    private static int readFully(ReadableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                break;
            }
        }
        return buf.position();
    }

    private static void requireBlocking(Object ch) {
        // A non-blocking channel would make the loops above spin.
        if (ch instanceof SelectableChannel sc && !sc.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
    }

    private static int lineEnd(String text, int from, int end) {
        int nl = text.indexOf('\n', from);
        return nl < 0 || nl > end ? end : nl;
    }

    private static void escape(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    private static String unescape(String line, int from, String type) throws WireException {
        if (line.indexOf('\\', from) < 0) {
            return line.substring(from);
        }
        StringBuilder value = new StringBuilder(line.length() - from);
        for (int i = from; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '\\') {
                value.append(c);
                continue;
            }
            if (++i == line.length()) {
                throw new WireException("value ends in a lone '\\' in a " + type + " message");
            }
            switch (line.charAt(i)) {
                case '\\' -> value.append('\\');
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                default -> throw new WireException("unknown escape '\\" + line.charAt(i) + "' in a " + type + " message");
            }
        }
        return value.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
