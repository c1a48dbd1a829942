package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.List;
import java.util.Map;

/**
 * The {@code [app]} table (or one {@code [[app]]} of several): what to run and where.
 *
 * @param ports the app's ports, when it has several ({@code port} is the one-port form; not both)
 * @param after the apps of the same file that must be ready before this one starts
 * @param aotCache whether workers start from a cache of the app's classes ({@code cds} is its older spelling)
 * @param spares warm spares: standby workers that have done their start-up and wait for a slot
 */
public record AppSection(
        String name,
        String jar,
        Instances instances,
        Integer port,
        String host,
        Listen listen,
        List<String> jvmArgs,
        List<String> args,
        Map<String, String> env,
        String cwd,
        String java,
        @JsonAlias("cds") CacheMode aotCache,
        List<String> after,
        List<Integer> ports,
        Integer spares) {

    public AppSection {
        if (instances == null) instances = Instances.AUTO;
        if (host == null) host = "0.0.0.0";
        if (listen == null) listen = Listen.HANDOFF;
        jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        if (aotCache == null) aotCache = CacheMode.AUTO;
        after = after == null ? List.of() : List.copyOf(after);
        if (spares == null) spares = 0;
    }
}
