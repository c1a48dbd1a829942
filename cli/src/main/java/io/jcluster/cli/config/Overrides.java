package io.jcluster.cli.config;

import java.util.List;

/**
 * What command-line flags say; each non-null field replaces the config file's value.
 *
 * @param port the one port of a spec written before {@code ports} (read from a running primary's spec file)
 * @param watch {@code --watch}: true turns {@code [watch]} on
 * @param spares {@code --spares}: warm spares
 * @param ports {@code -p}: the app's ports, replacing the file's {@code port} or {@code ports}
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
        List<Integer> ports,
        Integer spares) {

    public Overrides {
        if (ports != null) ports = List.copyOf(ports);
        if (ports != null && ports.isEmpty()) ports = null;
    }

    public Overrides(String name, String jar, Instances instances, Integer port, Listen listen, List<String> jvmArgs,
                     List<String> args, LogTarget logsTo) {
        this(name, jar, instances, port, listen, jvmArgs, args, logsTo, null, null, null);
    }

    public Overrides(String name, String jar, Instances instances, Integer port, Listen listen, List<String> jvmArgs,
                     List<String> args, LogTarget logsTo, Boolean watch) {
        this(name, jar, instances, port, listen, jvmArgs, args, logsTo, watch, null, null);
    }

    public static Overrides none() {
        return new Overrides(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** The ports the flags give, or null: {@code -p}, or the one port of an older spec. */
    public List<Integer> portsGiven() {
        if (ports != null) return ports;
        return port == null ? null : List.of(port);
    }
}
