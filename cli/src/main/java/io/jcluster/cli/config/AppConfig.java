package io.jcluster.cli.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The configuration in force for one app: the file and the flags merged, defaults filled in,
 * paths made absolute, and everything checked.
 *
 * @param cds whether workers start from a class-data archive of the app's jar, made by the first worker
 * @param after the apps of the same file this one starts after (once they are ready)
 * @param envName the named environment in force ({@code --env}), or null for {@code [app.env]} alone
 * @param recycle {@code [recycle]}: scheduled replacement of the workers
 * @param watch {@code [watch]}: reload when the jar or other files change
 * @param spares how many warm spares the app keeps: workers that have done their start-up and wait,
 *     in their bind, for a slot (a crashed worker's, or a new one of {@code scale})
 */
public record AppConfig(
        String name,
        Path jar,
        Path configFile,
        Path workDir,
        int instances,
        int port,
        String host,
        Listen listen,
        List<String> jvmArgs,
        List<String> args,
        Map<String, String> env,
        Path java,
        RestartPolicy restart,
        ReloadPolicy reload,
        HealthPolicy health,
        LogPolicy logs,
        MetricsPolicy metrics,
        OverloadPolicy overload,
        boolean cds,
        List<String> after,
        String envName,
        RecyclePolicy recycle,
        WatchPolicy watch,
        int spares) {

    public AppConfig {
        jvmArgs = List.copyOf(jvmArgs);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        if (metrics == null) metrics = MetricsPolicy.defaults();
        if (overload == null) overload = OverloadPolicy.defaults();
        if (logs == null) logs = LogPolicy.defaults();
        after = after == null ? List.of() : List.copyOf(after);
        if (recycle == null) recycle = RecyclePolicy.defaults();
        if (watch == null) watch = WatchPolicy.off();
    }

    /** The same config with another worker count. */
    public AppConfig withInstances(int n) {
        return new AppConfig(name, jar, configFile, workDir, n, port, host, listen, jvmArgs, args, env, java,
                restart, reload, health, logs, metrics, overload, cds, after, envName, recycle, watch, spares);
    }

    /** How many JVMs the app runs when all is well: its slots' workers and its spares. */
    public int jvms() {
        return instances + spares;
    }

    /**
     * How often workers send heartbeats: the {@code [health]} interval, or the {@code [metrics]}
     * interval when that is shorter, so every snapshot has fresh figures.
     */
    public long heartbeatMillis() {
        return Math.min(health.heartbeatInterval().toMillis(), metrics.interval().toMillis());
    }
}
