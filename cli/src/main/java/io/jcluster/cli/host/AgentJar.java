package io.jcluster.cli.host;

import io.jcluster.runtime.wire.Wire;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the worker agent jar is: what every worker runs as {@code -javaagent:<path>}.
 *
 * <p>It is worker-runtime's {@code agent} jar, not worker-runtime's main jar: its classes live under
 * the relocated package {@code io.jcluster.agent.internal}, so an app that shades worker-runtime (and
 * comes first on the class path, since the JDK appends agent jars after {@code -jar app.jar}) can
 * never supply the agent's classes. It is found next to the worker-runtime jar this CLI runs with:
 * <ul>
 *   <li>in the distribution, {@code lib/agent/worker-runtime-agent.jar} beside {@code lib/worker-runtime.jar}
 *       (in a directory of its own, so that it is not on the CLI's {@code lib/*} class path);</li>
 *   <li>in a Maven build, {@code worker-runtime-<version>-agent.jar} beside {@code worker-runtime-<version>.jar}
 *       (the module's {@code target/}, or the local repository).</li>
 * </ul>
 */
public final class AgentJar {

    /** The agent jar's place in the distribution, relative to the directory of worker-runtime's jar. */
    public static final String IN_DISTRIBUTION = "agent/worker-runtime-agent.jar";

    private AgentJar() {}

    /**
     * The agent jar for the worker-runtime this CLI was built with.
     *
     * @throws IllegalStateException when worker-runtime is not a jar, or no agent jar is beside it;
     *     the message names the places looked at
     */
    public static Path path() {
        return beside(runtimeJar());
    }

    /** worker-runtime's main jar, as this CLI loaded it (the distribution's {@code lib/worker-runtime.jar}). */
    public static Path runtimeJar() {
        try {
            return Path.of(Wire.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot tell where worker-runtime was loaded from: " + e, e);
        }
    }

    /** The agent jar beside {@code runtimeJar}, worker-runtime's main jar; see the class comment. */
    static Path beside(Path runtimeJar) {
        if (!Files.isRegularFile(runtimeJar)) {
            throw new IllegalStateException("worker-runtime must be a jar, found " + runtimeJar
                    + " (run jcluster from its distribution: cli/target/jcluster/bin/jcluster)");
        }
        List<Path> candidates = candidates(runtimeJar);
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("the worker agent jar is missing: looked for " + candidates.get(0)
                + " and " + candidates.get(1) + " (rebuild jcluster: mvn -B package -DskipTests)");
    }

    private static List<Path> candidates(Path runtimeJar) {
        String name = runtimeJar.getFileName().toString();
        String base = name.endsWith(".jar") ? name.substring(0, name.length() - ".jar".length()) : name;
        return List.of(runtimeJar.resolveSibling(IN_DISTRIBUTION), runtimeJar.resolveSibling(base + "-agent.jar"));
    }
}
