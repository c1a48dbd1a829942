package io.jcluster.cli.control;

/**
 * One request on {@code control.sock}, a JSON line.
 *
 * @param command {@code ping}, {@code ls}, {@code await-ready} or {@code stop}
 */
public record ControlRequest(String command) {
    public static final String PING = "ping";
    public static final String LS = "ls";
    public static final String AWAIT_READY = "await-ready";
    public static final String STOP = "stop";
}
