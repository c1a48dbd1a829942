package io.jcluster.cli.config;

/** A {@code jcluster.toml} as written: every table optional, every key with a default. */
public record ConfigFile(AppSection app, RestartPolicy restart, ReloadPolicy reload, HealthPolicy health, LogPolicy logs,
                         MetricsPolicy metrics, OverloadPolicy overload) {
    public ConfigFile {
        if (restart == null) restart = RestartPolicy.defaults();
        if (reload == null) reload = ReloadPolicy.defaults();
        if (health == null) health = HealthPolicy.defaults();
        if (logs == null) logs = LogPolicy.defaults();
        if (metrics == null) metrics = MetricsPolicy.defaults();
        if (overload == null) overload = OverloadPolicy.defaults();
    }
}
