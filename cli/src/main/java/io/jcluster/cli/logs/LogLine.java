package io.jcluster.cli.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** One line read from a log, without its line end. */
public record LogLine(LogSource source, String text) {
    private static final String JSON_TIME = "{\"time\":\"";

    /**
     * The time the line starts with, as a UTC stamp ({@code 2025-06-01T10:00:00.123Z}) so that lines
     * sort by it as text: a UTC prefix as it is, a local one ({@code …+02:00}) or the {@code time}
     * of a JSON line converted to UTC; null when the line has none.
     */
    String timestamp() {
        String t = stamp();
        if (t == null) return null;
        if (t.length() == LinePrefix.TIME_LENGTH && t.charAt(23) == 'Z') return t;
        try {
            return LinePrefix.TIME.format(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The time stamp as written at the start of the line (text or JSON), or null. */
    String stamp() {
        if (text.startsWith(JSON_TIME)) {
            int end = text.indexOf('"', JSON_TIME.length());
            return end < 0 ? null : text.substring(JSON_TIME.length(), end);
        }
        if (text.length() >= LinePrefix.LOCAL_TIME_LENGTH && looksLikeTime(text) && (text.charAt(23) == '+' || text.charAt(23) == '-')) {
            return text.substring(0, LinePrefix.LOCAL_TIME_LENGTH);
        }
        if (text.length() >= LinePrefix.TIME_LENGTH && looksLikeTime(text) && text.charAt(23) == 'Z') {
            return text.substring(0, LinePrefix.TIME_LENGTH);
        }
        return null;
    }

    /** Whether this line is one JSON object of {@code [logs] format = "json"}. */
    public boolean json() {
        return text.startsWith(JSON_TIME) && text.endsWith("}");
    }

    /**
     * The line for a person: a JSON line as its time and message, any other as it is.
     */
    public String display() {
        if (!json()) return text;
        try {
            JsonNode n = Reader.MAPPER.readTree(text);
            return n.path("time").asText("") + " " + n.path("message").asText("");
        } catch (IOException e) {
            return text;
        }
    }

    /**
     * The line as one JSON object ({@code time}, {@code app}, {@code slot}, {@code pid},
     * {@code generation}, {@code stream}, {@code message}): a JSON line as it is; a text line with
     * its time stamp (or null), its source's app, slot and stream, and what follows the stamp and
     * the {@code app/slot} tag as the message; pid and generation are not in a text line (null).
     */
    public String toJson() {
        if (json()) return text;
        String stamp = stamp();
        String message = text;
        if (stamp != null) message = message.substring(Math.min(message.length(), stamp.length() + 1));
        String tag = source.app() + "/" + source.slot() + " | ";
        if (message.startsWith(tag)) message = message.substring(tag.length());
        return "{\"time\":" + (stamp == null ? "null" : JsonLines.quote(stamp)) + ",\"app\":" + JsonLines.quote(source.app())
                + ",\"slot\":" + source.slot() + ",\"pid\":null,\"generation\":null,\"stream\":\""
                + (source.stream() == LogFiles.Stream.ERR ? "err" : "out") + "\",\"message\":" + JsonLines.quote(message) + "}";
    }

    /** In a holder of its own: only {@code logs} of JSON files needs a mapper. */
    private static final class Reader {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private static boolean looksLikeTime(String t) {
        return t.charAt(4) == '-' && t.charAt(7) == '-' && t.charAt(10) == 'T' && t.charAt(13) == ':';
    }
}
