package io.jcluster.cli.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.WorkerExit;
import java.util.List;
import java.util.Map;

/**
 * The answer to a {@link ControlRequest}, a JSON line. Long requests (reload, scale) first send
 * lines that carry only {@code progress}; the last line is the answer.
 *
 * @param error    what went wrong, in words, when {@code ok} is false
 * @param lines    log lines that explain the error (a failed worker's last output)
 * @param status   the app, for requests that return it
 * @param progress a step of a long request (reload, scale); null on the final answer
 * @param code     the exit code the CLI should end with when {@code ok} is false (1 or 2)
 * @param metrics  the latest snapshot ({@code ls}, {@code metrics}, {@code describe}, and each line of a stream)
 * @param history  the app's totals over the last minute, oldest first ({@code metrics}; a stream's first line)
 * @param config   the config in force, table by table ({@code describe})
 * @param exits    the latest worker exits, oldest first ({@code describe})
 * @param cache    the cache workers start from, and each worker's use of it ({@code describe})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlReply(boolean ok, String error, List<String> lines, AppStatus status, String progress, Integer code,
                           AppSnapshot metrics, List<AppTotals> history, Map<String, Map<String, Object>> config,
                           List<WorkerExit> exits, CacheStatus cache) {

    /** A reply without the cache. */
    public ControlReply(boolean ok, String error, List<String> lines, AppStatus status, String progress, Integer code,
                        AppSnapshot metrics, List<AppTotals> history, Map<String, Map<String, Object>> config,
                        List<WorkerExit> exits) {
        this(ok, error, lines, status, progress, code, metrics, history, config, exits, null);
    }

    /** A reply without figures. */
    public ControlReply(boolean ok, String error, List<String> lines, AppStatus status) {
        this(ok, error, lines, status, null, null, null, null, null, null);
    }

    public static ControlReply ok(AppStatus status) {
        return new ControlReply(true, null, null, status);
    }

    public static ControlReply failed(String error, List<String> lines) {
        return failed(error, lines, 1);
    }

    public static ControlReply failed(String error, List<String> lines, int code) {
        return new ControlReply(false, error, lines, null, null, code, null, null, null, null);
    }

    public static ControlReply step(String progress) {
        return new ControlReply(true, null, null, null, progress, null, null, null, null, null);
    }

    /** The exit code for a failed answer. */
    public int exitCode() {
        return code == null ? 1 : code;
    }
}
