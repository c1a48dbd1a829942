package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jcluster.cli.primary.AppStatus;
import java.util.List;

/**
 * The answer to a {@link ControlRequest}, a JSON line. Long requests (reload, scale) first send
 * lines that carry only {@code progress}; the last line is the answer.
 *
 * @param error what went wrong, in words, when {@code ok} is false
 * @param lines log lines that explain the error (a failed worker's last output)
 * @param status the app, for requests that return it
 * @param progress a step of a long request; null on the final answer
 * @param code the exit code the CLI should end with when {@code ok} is false (1 or 2)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlReply(boolean ok, String error, List<String> lines, AppStatus status, String progress, Integer code) {
    public static ControlReply ok(AppStatus status) {
        return new ControlReply(true, null, null, status, null, null);
    }

    public static ControlReply failed(String error, List<String> lines) {
        return new ControlReply(false, error, lines, null, null, 1);
    }

    public static ControlReply failed(String error, List<String> lines, int code) {
        return new ControlReply(false, error, lines, null, null, code);
    }

    public static ControlReply step(String progress) {
        return new ControlReply(true, null, null, null, progress, null);
    }

    /** The exit code for a failed answer. */
    public int exitCode() {
        return code == null ? 1 : code;
    }
}
