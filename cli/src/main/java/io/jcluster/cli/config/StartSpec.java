package io.jcluster.cli.config;

/**
 * What {@code jcluster start} was asked to run: the config file (or none), the flags, and the
 * directory it was run from. The primary keeps it so that a reload reads the file again and
 * applies the same flags.
 *
 * @param configFile absolute path of the TOML file, or null when started from a jar alone
 * @param cwd absolute directory that relative paths on the command line are resolved against
 */
public record StartSpec(String configFile, Overrides overrides, String cwd) {
    public StartSpec {
        if (overrides == null) overrides = Overrides.none();
    }
}
