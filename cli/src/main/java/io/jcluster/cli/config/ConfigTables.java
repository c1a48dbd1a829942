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
 * endpoint) left out. What {@code jcluster describe} shows, so environment values whose names look
 * secret ({@code *KEY*}, {@code *TOKEN*}, {@code *SECRET*}, {@code *PASSWORD*}) are masked here, before
 * they leave the primary.
 */
public final class ConfigTables {
    /** What a secret value is shown as. */
    public static final String MASKED = "********";
    private static final List<String> SECRET_WORDS = List.of("KEY", "TOKEN", "SECRET", "PASSWORD");

    private ConfigTables() {}

    /** Whether an environment variable called {@code name} looks like it holds a secret. */
    public static boolean secret(String name) {
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(upper::contains);
    }

    public static Map<String, Map<String, Object>> of(AppConfig c) {
        Map<String, Map<String, Object>> t = new LinkedHashMap<>();
        Map<String, Object> app = table(t, "app");
        app.put("name", c.name());
        app.put("jar", text(c.jar()));
        app.put("instances", c.instances());
        if (c.instancesFrom() != null) app.put("instances_from", c.instancesFrom());
        app.put("spares", c.spares());
        if (c.severalPorts()) app.put("ports", List.copyOf(c.ports()));
        else app.put("port", c.port());
        app.put("host", c.host());
        app.put("listen", c.listen().id());
        app.put("jvm_args", List.copyOf(c.jvmArgs()));
        app.put("heap_sizing", HeapSizing.describe(c.jvmArgs(), c.jvms()));
        app.put("args", List.copyOf(c.args()));
        app.put("cwd", text(c.workDir()));
        app.put("java", text(c.java()));
        app.put("aot_cache", c.aotCache().json());
        if (!c.after().isEmpty()) app.put("after", List.copyOf(c.after()));
        if (c.envName() != null) app.put("env_name", c.envName());
        if (!c.env().isEmpty()) {
            Map<String, Object> env = new TreeMap<>();
            c.env().forEach((k, v) -> env.put(k, secret(k) ? MASKED : v));
            app.put("env", env);
        }

        Map<String, Object> restart = table(t, "restart");
        restart.put("backoff_initial", duration(c.restart().backoffInitial()));
        restart.put("backoff_multiplier", c.restart().backoffMultiplier());
        restart.put("backoff_max", duration(c.restart().backoffMax()));
        restart.put("stable_after", duration(c.restart().stableAfter()));
        restart.put("max_failures", c.restart().maxFailures());
        restart.put("failure_window", duration(c.restart().failureWindow()));
        restart.put("ok_exit_codes", List.copyOf(c.restart().okExitCodes()));
        restart.put("autorestart", c.restart().autorestart());
        // the default depends on whether the primary runs in the foreground, which the config does not know
        if (c.restart().whenErrored() != null) restart.put("when_errored", c.restart().whenErrored().id());

        Map<String, Object> reload = table(t, "reload");
        reload.put("ready_timeout", duration(c.reload().readyTimeout()));
        reload.put("warmup", duration(c.reload().warmup()));
        reload.put("drain_timeout", duration(c.reload().drainTimeout()));
        reload.put("shutdown", c.reload().shutdown().id());
        reload.put("stop_timeout", duration(c.reload().stopTimeout()));
        reload.put("start_share", c.reload().startShare());

        table(t, "health").put("heartbeat_interval", duration(c.health().heartbeatInterval()));

        Map<String, Object> logs = table(t, "logs");
        logs.put("to", c.logs().to().id());
        logs.put("format", c.logs().format().id());
        logs.put("timestamps", c.logs().timestamps().toml());
        logs.put("max_size", c.logs().maxSize().toString());
        logs.put("max_files", c.logs().maxFiles());
        logs.put("max_total", c.logs().maxTotal().toString());
        logs.put("slot_tags", c.logs().slotTags());

        Map<String, Object> recycle = table(t, "recycle");
        if (c.recycle().every() != null) recycle.put("every", duration(c.recycle().every()));
        if (!c.recycle().jitter().isZero()) recycle.put("jitter", duration(c.recycle().jitter()));
        if (c.recycle().maxRequests() != null) recycle.put("max_requests", c.recycle().maxRequests());

        Map<String, Object> watch = table(t, "watch");
        watch.put("enabled", c.watch().enabled());
        watch.put("paths", c.watch().paths().stream().map(Path::toString).toList());
        watch.put("interval", duration(c.watch().interval()));

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
