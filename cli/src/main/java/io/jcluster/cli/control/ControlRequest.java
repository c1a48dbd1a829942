package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;

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

    public ControlRequest(String command) {
        this(command, null, null, null);
    }
}
