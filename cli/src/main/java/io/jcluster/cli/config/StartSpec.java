package io.jcluster.cli.config;

/**
 * What {@code jcluster start} was asked to run: the config file (or none), the app of that file,
 * the named environment, the flags, and the directory it was run from. The primary keeps it so
 * that a reload reads the file again and applies the same app, environment and flags.
 *
 * @param configFile absolute path of the TOML file, or null when started from a jar alone
 * @param cwd absolute directory that relative paths on the command line are resolved against
 * @param app which app of the file, by the name the file gives it ({@code name}, else the jar's
 *            name): null when the file has one app
 * @param env the {@code --env} name: {@code [app.env_<env>]} is merged over {@code [app.env]}; null for none
 */
public record StartSpec(String configFile, Overrides overrides, String cwd, String app, String env) {
    public StartSpec {
        if (overrides == null) overrides = Overrides.none();
        if (env != null && env.isBlank()) env = null;
    }

    /** A spec for the only app of {@code configFile} (or of the flags), in no named environment. */
    public StartSpec(String configFile, Overrides overrides, String cwd) {
        this(configFile, overrides, cwd, null, null);
    }

    /** The same spec for the app of the file called {@code name}. */
    public StartSpec withApp(String name) {
        return new StartSpec(configFile, overrides, cwd, name, env);
    }
}
