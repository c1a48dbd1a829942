package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * One request on {@code control.sock}, a JSON line.
 *
 * @param command   {@code ping}, {@code ls}, {@code await-ready}, {@code stop}, {@code metrics},
 *                  {@code describe}, {@code restart}, {@code reload}, {@code scale}, {@code signal},
 *                  {@code upgrade}, {@code cordon}, {@code uncordon}; and, from a new primary to the one it replaces, {@code hand-over},
 *                  {@code hand-over-sockets} and {@code retire} (see {@link HandOverReply})
 * @param slot      {@code restart}: only this slot (all when null)
 * @param delta     {@code scale}: add (or, negative, remove) this many workers
 * @param instances {@code scale}: this many workers
 * @param stream    {@code metrics}: keep the connection and answer one line per snapshot until the
 *                  client closes it (a stream connection carries nothing else)
 * @param signal    {@code signal}: the signal's name ({@code USR1}, {@code HUP} …) to send to the
 *                  workers ({@code slot}'s only, when given)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlRequest(String command, Integer slot, Integer delta, Integer instances, Boolean stream, String signal) {
    public static final String PING = "ping";
    public static final String LS = "ls";
    public static final String AWAIT_READY = "await-ready";
    public static final String STOP = "stop";
    public static final String METRICS = "metrics";
    public static final String DESCRIBE = "describe";
    public static final String RESTART = "restart";
    public static final String RELOAD = "reload";
    public static final String SCALE = "scale";
    /** To a primary started by {@code jcluster upgrade}: the take-over's progress, then its outcome. */
    public static final String UPGRADE = "upgrade";
    /** From a new primary: begin the hand-over; answered with a {@link HandOverReply}. */
    public static final String HAND_OVER = "hand-over";
    /** From the new primary, after {@link #HAND_OVER}: answered with the slot sockets' fds (SCM_RIGHTS), in slot order. */
    public static final String HAND_OVER_SOCKETS = "hand-over-sockets";
    /** From the new primary, whose workers all serve: stop steering, retire every worker, exit. */
    public static final String RETIRE = "retire";
    public static final String SIGNAL = "signal";
    /** Take the app out of its balancers: {@code /readyz} answers 503 until {@link #UNCORDON}; the workers keep serving. */
    public static final String CORDON = "cordon";
    public static final String UNCORDON = "uncordon";

    /** A request of the commands that take no signal. */
    public ControlRequest(String command, Integer slot, Integer delta, Integer instances, Boolean stream) {
        this(command, slot, delta, instances, stream, null);
    }

    /** A request with no arguments. */
    public ControlRequest(String command) {
        this(command, null, null, null, null);
    }

    /** {@code restart} of one slot. */
    public static ControlRequest restart(int slot) {
        return new ControlRequest(RESTART, slot, null, null, null);
    }

    /** {@code scale} by {@code delta} workers. */
    public static ControlRequest scaleBy(int delta) {
        return new ControlRequest(SCALE, null, delta, null, null);
    }

    /** {@code signal} to every worker, or to {@code slot}'s only (null: every worker). */
    public static ControlRequest signal(String signal, Integer slot) {
        return new ControlRequest(SIGNAL, slot, null, null, null, signal);
    }

    /** The {@code metrics} stream: one reply per snapshot. */
    public static ControlRequest metricsStream() {
        return new ControlRequest(METRICS, null, null, null, true);
    }

    /** Whether this asks for a stream. */
    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /**
     * Parses one line read from {@code control.sock}: a JSON object with a {@code command} string.
     * Anything else (not JSON, another JSON shape, nesting past Jackson's limits) is a
     * {@link BadRequestException} whose message says what was wrong; it never throws anything else.
     * One JSON value per line: {@code {"command":"ls"}}} is not a request with a stray brace.
     */
    public static ControlRequest parse(String line) throws BadRequestException {
        boolean object;
        boolean command = false;
        try (JsonParser p = RecordJson.FACTORY.createParser(line)) {
            JsonToken first = p.nextToken();
            object = first == JsonToken.START_OBJECT;
            if (object) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken value = p.nextToken();
                    if (name.equals("command")) command = value == JsonToken.VALUE_STRING;
                    p.skipChildren();
                }
            } else if (first != null) {
                p.skipChildren();
            }
            if (p.nextToken() != null) throw new JsonParseException(p, "more than one JSON value on the line");
        } catch (JsonProcessingException e) {
            throw new BadRequestException("not JSON: " + abbreviate(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadRequestException("not JSON: " + abbreviate(e.getMessage()));
        }
        if (!object || !command) {
            throw new BadRequestException("not a control request (a JSON object with a \"command\" string): "
                    + abbreviate(line));
        }
        try {
            return RecordJson.read(line, ControlRequest.class);
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("not a control request: " + abbreviate(e.getMessage()));
        }
    }

    private static String abbreviate(String s) {
        if (s == null) return "";
        String cut = s.length() > 120 ? s.substring(0, 117) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
