package io.jcluster.cli.config;

import io.jcluster.runtime.WorkerEnv;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code [overload]} table: when workers that link worker-runtime's netty integration shed load
 * (a fast 503 with {@code Retry-After}) instead of queueing requests. Off unless a bound is set.
 *
 * @param maxInflight shed while this many requests are in flight in one worker; null = no bound
 * @param maxLoopLag  shed while an event loop lags more than this; null = no bound
 */
public record OverloadPolicy(Integer maxInflight, Duration maxLoopLag) {
    public static OverloadPolicy defaults() {
        return new OverloadPolicy(null, null);
    }

    /** Null when these values can be used, else what is wrong with them and the key it is about. */
    String[] problem() {
        if (maxInflight != null && maxInflight < 1) {
            return new String[] {"overload.max_inflight", maxInflight + " is not a bound: at least 1 (leave it out for none)"};
        }
        if (maxLoopLag != null && maxLoopLag.toMillis() < 1) {
            return new String[] {"overload.max_loop_lag", Durations.format(maxLoopLag) + " is not a bound: at least 1ms (leave it out for none)"};
        }
        return null;
    }

    /** The workers' environment for these bounds: {@code JCLUSTER_OVERLOAD_*}, only for the bounds set. */
    public Map<String, String> workerEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        if (maxInflight != null) env.put(WorkerEnv.OVERLOAD_MAX_INFLIGHT, Integer.toString(maxInflight));
        if (maxLoopLag != null) env.put(WorkerEnv.OVERLOAD_MAX_LAG_MILLIS, Long.toString(maxLoopLag.toMillis()));
        return env;
    }
}
