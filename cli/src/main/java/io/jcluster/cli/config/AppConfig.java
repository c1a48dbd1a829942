package io.jcluster.cli.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The configuration in force for one app: the file and the flags merged, defaults filled in,
 * paths made absolute, and everything checked.
 *
 * @param ports the app's TCP ports, at least one, none twice; the first is {@link #port()}
 * @param aotCache whether workers start from a cache of the app's classes (the JDK's AOT cache or a CDS archive),
 *     made in the background by a training run
 * @param after the apps of the same file this one starts after (once they are ready)
 * @param envName the named environment in force ({@code --env}), or null for {@code [app.env]} alone
 * @param recycle {@code [recycle]}: scheduled replacement of the workers
 * @param watch {@code [watch]}: reload when the jar or other files change
 * @param spares how many warm spares the app keeps: workers that have done their start-up and wait,
 *     in their bind, for a slot (a crashed worker's, or a new one of {@code scale})
 * @param instancesFrom how {@code instances = "auto"} came to {@link #instances()} here, or null when a
 *     number was given (or {@code scale} changed it)
 */
public record AppConfig(
        String name,
        Path jar,
        Path configFile,
        Path workDir,
        int instances,
        List<Integer> ports,
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
        CacheMode aotCache,
        List<String> after,
        String envName,
        RecyclePolicy recycle,
        WatchPolicy watch,
        int spares,
        String instancesFrom) {

    public AppConfig {
        ports = List.copyOf(ports);
        if (ports.isEmpty()) throw new IllegalArgumentException("an app needs a port");
        jvmArgs = List.copyOf(jvmArgs);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        if (metrics == null) metrics = MetricsPolicy.defaults();
        if (overload == null) overload = OverloadPolicy.defaults();
        if (logs == null) logs = LogPolicy.defaults();
        after = after == null ? List.of() : List.copyOf(after);
        if (recycle == null) recycle = RecyclePolicy.defaults();
        if (watch == null) watch = WatchPolicy.off();
        if (aotCache == null) aotCache = CacheMode.AUTO;
    }

    /** The same config with another worker count (no longer what {@code auto} came to, when it differs). */
    public AppConfig withInstances(int n) {
        if (n == instances) return this;
        return new AppConfig(name, jar, configFile, workDir, n, ports, host, listen, jvmArgs, args, env, java,
                restart, reload, health, logs, metrics, overload, aotCache, after, envName, recycle, watch, spares, null);
    }

    /** How many JVMs the app runs when all is well: its slots' workers and its spares. */
    public int jvms() {
        return instances + spares;
    }

    /**
     * The app's first port: the one port of the one-port form, what {@code PORT}, {@code SERVER_PORT} and
     * {@code JCLUSTER_PORT} name, and what the parts that serve one port use (worker-runtime's {@code
     * SlotListener}, {@code ready = "http:/path"}).
     */
    public int port() {
        return ports.get(0);
    }

    /** Whether the app has more than one port. */
    public boolean severalPorts() {
        return ports.size() > 1;
    }

    /** The ports as people write them: {@code 8080}, or {@code 8080, 8081}. */
    public String portsText() {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    /**
     * How often workers send heartbeats: the {@code [health]} interval, or the {@code [metrics]}
     * interval when that is shorter, so every snapshot has fresh figures.
     */
    public long heartbeatMillis() {
        return Math.min(health.heartbeatInterval().toMillis(), metrics.interval().toMillis());
    }
}
