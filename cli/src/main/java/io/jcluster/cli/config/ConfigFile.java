package io.jcluster.cli.config;

/**
 * One app of a {@code jcluster.toml} as written, with the file's top-level tables merged under the
 * app's own ({@code [app.restart]} over {@code [restart]}): every table optional, every key with a default.
 */
public record ConfigFile(AppSection app, RestartPolicy restart, ReloadPolicy reload, HealthPolicy health, LogPolicy logs,
                         MetricsPolicy metrics, OverloadPolicy overload, RecyclePolicy recycle, WatchSection watch) {
    public ConfigFile {
        if (restart == null) restart = RestartPolicy.defaults();
        if (reload == null) reload = ReloadPolicy.defaults();
        if (health == null) health = HealthPolicy.defaults();
        if (logs == null) logs = LogPolicy.defaults();
        if (metrics == null) metrics = MetricsPolicy.defaults();
        if (overload == null) overload = OverloadPolicy.defaults();
        if (recycle == null) recycle = RecyclePolicy.defaults();
        if (watch == null) watch = WatchSection.defaults();
    }
}
