package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * One request on {@code control.sock}, a JSON line.
 *
 * @param command {@code ping}, {@code ls}, {@code await-ready}, {@code stop}, {@code reload},
 *     {@code restart}, {@code scale}
 * @param slot for {@code restart}: one slot only (all when null)
 * @param instances for {@code scale}: the new worker count
 * @param delta for {@code scale}: a change of the worker count (+1, -2), when {@code instances} is null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlRequest(String command, Integer slot, Integer instances, Integer delta) {
    public static final String PING = "ping";
    public static final String LS = "ls";
    public static final String AWAIT_READY = "await-ready";
    public static final String STOP = "stop";
    public static final String RELOAD = "reload";
    public static final String RESTART = "restart";
    public static final String SCALE = "scale";

    /** One JSON value per line: {@code {"command":"ls"}}} is not a request with a stray brace. */
    private static final ObjectReader STRICT = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ControlRequest(String command) {
        this(command, null, null, null);
    }

    /**
     * Parses one line read from {@code control.sock}: a JSON object with a {@code command} string.
     * Anything else (not JSON, another JSON shape, nesting past Jackson's limits) is a
     * {@link BadRequestException} whose message says what was wrong; it never throws anything else.
     */
    public static ControlRequest parse(String line) throws BadRequestException {
        JsonNode tree;
        try {
            tree = STRICT.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("not JSON: " + abbreviate(e.getOriginalMessage()));
        }
        JsonNode command = tree == null ? null : tree.get("command");
        if (tree == null || !tree.isObject() || command == null || !command.isTextual()) {
            throw new BadRequestException("not a control request (a JSON object with a \"command\" string): "
                    + abbreviate(line));
        }
        try {
            return Json.MAPPER.treeToValue(tree, ControlRequest.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new BadRequestException("not a control request: " + abbreviate(e.getMessage()));
        }
    }

    private static String abbreviate(String s) {
        if (s == null) return "";
        String cut = s.length() > 120 ? s.substring(0, 117) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
