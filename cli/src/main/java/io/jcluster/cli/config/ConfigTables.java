package io.jcluster.cli.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The config in force as {@code jcluster.toml} would write it: table → key → value, with the file's
 * key names, durations written {@code 5s}, paths as strings, and keys that are not set (no bound, no
 * endpoint) left out. What {@code jcluster describe} shows.
 */
public final class ConfigTables {
    private ConfigTables() {}

    public static Map<String, Map<String, Object>> of(AppConfig c) {
        Map<String, Map<String, Object>> t = new LinkedHashMap<>();
        Map<String, Object> app = table(t, "app");
        app.put("name", c.name());
        app.put("jar", text(c.jar()));
        app.put("instances", c.instances());
        app.put("port", c.port());
        app.put("host", c.host());
        app.put("listen", c.listen().id());
        app.put("jvm_args", List.copyOf(c.jvmArgs()));
        app.put("args", List.copyOf(c.args()));
        app.put("cwd", text(c.workDir()));
        app.put("java", text(c.java()));
        if (!c.env().isEmpty()) app.put("env", new TreeMap<>(c.env()));

        Map<String, Object> restart = table(t, "restart");
        restart.put("backoff_initial", duration(c.restart().backoffInitial()));
        restart.put("backoff_multiplier", c.restart().backoffMultiplier());
        restart.put("backoff_max", duration(c.restart().backoffMax()));
        restart.put("stable_after", duration(c.restart().stableAfter()));
        restart.put("max_failures", c.restart().maxFailures());
        restart.put("failure_window", duration(c.restart().failureWindow()));
        // the default depends on whether the primary runs in the foreground, which the config does not know
        if (c.restart().whenErrored() != null) restart.put("when_errored", c.restart().whenErrored().id());

        Map<String, Object> reload = table(t, "reload");
        reload.put("ready_timeout", duration(c.reload().readyTimeout()));
        reload.put("drain_timeout", duration(c.reload().drainTimeout()));
        reload.put("stop_timeout", duration(c.reload().stopTimeout()));

        table(t, "health").put("heartbeat_interval", duration(c.health().heartbeatInterval()));

        Map<String, Object> metrics = table(t, "metrics");
        metrics.put("interval", duration(c.metrics().interval()));
        if (c.metrics().listen() != null) metrics.put("listen", c.metrics().listen());

        Map<String, Object> overload = table(t, "overload");
        if (c.overload().maxInflight() != null) overload.put("max_inflight", c.overload().maxInflight());
        if (c.overload().maxLoopLag() != null) overload.put("max_loop_lag", duration(c.overload().maxLoopLag()));
        return t;
    }

    private static Map<String, Object> table(Map<String, Map<String, Object>> tables, String name) {
        Map<String, Object> table = new LinkedHashMap<>();
        tables.put(name, table);
        return table;
    }

    private static String duration(Duration d) {
        return Durations.format(d);
    }

    private static String text(Path p) {
        return p == null ? null : p.toString();
    }
}
