package io.jcluster.cli.config;

import java.util.List;

/**
 * What command-line flags say; each non-null field replaces the config file's value.
 *
 * @param watch {@code --watch}: true turns {@code [watch]} on
 * @param spares {@code --spares}: warm spares
 */
public record Overrides(
        String name,
        String jar,
        Instances instances,
        Integer port,
        Listen listen,
        List<String> jvmArgs,
        List<String> args,
        LogTarget logsTo,
        Boolean watch,
        Integer spares) {

    public Overrides(String name, String jar, Instances instances, Integer port, Listen listen, List<String> jvmArgs,
                     List<String> args, LogTarget logsTo) {
        this(name, jar, instances, port, listen, jvmArgs, args, logsTo, null, null);
    }

    public Overrides(String name, String jar, Instances instances, Integer port, Listen listen, List<String> jvmArgs,
                     List<String> args, LogTarget logsTo, Boolean watch) {
        this(name, jar, instances, port, listen, jvmArgs, args, logsTo, watch, null);
    }

    public static Overrides none() {
        return new Overrides(null, null, null, null, null, null, null, null, null, null);
    }
}
