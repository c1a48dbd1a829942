package io.jcluster.runtime;

import java.util.Map;

/**
 * The app's side of the bridge, registered by {@link JCluster} as {@value JCluster#APP_OBJECT_NAME}
 * the first time the app installs a drain hook or records a figure. The agent calls it.
 */
public interface AppMXBean {

    /**
     * Runs the app's drain hooks, for at most {@code timeoutMillis} in all.
     *
     * @return the number of requests still in flight when the hooks returned (0 = clean)
     */
    long drain(long timeoutMillis);

    /** Runs the app's drain hooks' {@link DrainHook#handOver}, with {@code spreadMillis}; returns at once. */
    void handOver(long spreadMillis);

    /**
     * The app's own figures, sent with each heartbeat as {@code app.<name>} fields. Names that are
     * not {@code [a-zA-Z0-9_.-]+} are skipped.
     */
    Map<String, Long> getFigures();
}
