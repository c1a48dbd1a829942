package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.WorkerExit;
import io.jcluster.cli.primary.AppStatus;
import java.util.List;
import java.util.Map;

/**
 * The answer to a {@link ControlRequest}, a JSON line.
 *
 * @param error   what went wrong, in words, when {@code ok} is false
 * @param lines   log lines that explain the error (a failed worker's last output)
 * @param status  the app, for requests that return it
 * @param metrics the latest snapshot ({@code metrics}, {@code describe}, and each line of a stream)
 * @param history the app's totals over the last minute, oldest first ({@code metrics}; a stream's first line)
 * @param config  the config in force, table by table ({@code describe})
 * @param exits   the latest worker exits, oldest first ({@code describe})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlReply(boolean ok, String error, List<String> lines, AppStatus status, AppSnapshot metrics,
                           List<AppTotals> history, Map<String, Map<String, Object>> config, List<WorkerExit> exits) {

    /** A reply without figures. */
    public ControlReply(boolean ok, String error, List<String> lines, AppStatus status) {
        this(ok, error, lines, status, null, null, null, null);
    }

    public static ControlReply ok(AppStatus status) {
        return new ControlReply(true, null, null, status);
    }

    public static ControlReply failed(String error, List<String> lines) {
        return new ControlReply(false, error, lines, null);
    }
}
