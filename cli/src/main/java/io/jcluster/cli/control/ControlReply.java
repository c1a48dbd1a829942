package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jcluster.cli.primary.AppStatus;
import java.util.List;

/**
 * The answer to a {@link ControlRequest}, a JSON line.
 *
 * @param error what went wrong, in words, when {@code ok} is false
 * @param lines log lines that explain the error (a failed worker's last output)
 * @param status the app, for requests that return it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlReply(boolean ok, String error, List<String> lines, AppStatus status) {
    public static ControlReply ok(AppStatus status) {
        return new ControlReply(true, null, null, status);
    }

    public static ControlReply failed(String error, List<String> lines) {
        return new ControlReply(false, error, lines, null);
    }
}
