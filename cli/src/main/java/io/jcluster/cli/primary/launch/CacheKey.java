package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The name of a cache: a hash of everything a cache must match to be used, so that a change of any
 * of them makes a new cache instead of running against an old one. The jar's content (not its time),
 * the JDK (its real path and {@code release} file), every {@code jvm_args} entry, and the content of
 * the agent jar, which is on every worker's class path. Heap sizing, which follows the worker count,
 * is left out: the JVM does not check it.
 */
final class CacheKey {
    private CacheKey() {}

    /** The key of a cache for a jar of content {@code jarDigest} run by {@code jdk} with {@code jvmArgs}. */
    static String of(WorkerJdk jdk, String jarDigest, List<String> jvmArgs, Path agentJar) throws IOException {
        List<String> parts = new ArrayList<>();
        parts.add("jar " + jarDigest);
        parts.add("jdk " + jdk.identity());
        for (String a : jvmArgs) parts.add("arg " + a);
        parts.add("agent " + JarDigest.of(agentJar));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) sha.update((p + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why {@code config}'s workers cannot have a cache whatever the JDK, or null. */
    static String refusal(AppConfig config) {
        if (!config.aotCache().wanted()) return "aot_cache = false";
        for (String a : config.jvmArgs()) {
            if (a.startsWith("-javaagent:") || a.startsWith("-agentlib:") || a.startsWith("-agentpath:")) {
                return "jvm_args load an agent (" + a.split("[:=]", 2)[0] + "), whose class transformations a cache would keep";
            }
            if (a.startsWith("-XX:SharedArchiveFile") || a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-Xshare:off")
                    || a.startsWith("-XX:AOTCache") || a.startsWith("-XX:AOTMode") || a.startsWith("-XX:AOTConfiguration")) {
                return "jvm_args already choose class sharing (" + a + ")";
            }
        }
        return null;
    }
}
