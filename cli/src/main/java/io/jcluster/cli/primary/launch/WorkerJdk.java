package io.jcluster.cli.primary.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a worker's {@code java} can cache, read from its JDK's {@code release} file: the AOT cache
 * from JDK 25 ({@code -XX:AOTCacheOutput}, {@code -XX:AOTCache}), a dynamic CDS archive on JDK 17 to 24
 * ({@code -XX:ArchiveClassesAtExit}, {@code -XX:SharedArchiveFile}; it builds on the JDK's own
 * {@code lib/server/classes.jsa}), or nothing.
 *
 * @param java     the {@code java} as configured
 * @param feature  the JDK's feature release (17, 21, 25, …), or -1 when it cannot be told
 * @param identity what tells this JDK from any other: its real path and its {@code release} file
 * @param kind     what it can cache
 * @param why      when {@code kind} is {@link Kind#NONE}: why, in words
 */
record WorkerJdk(Path java, int feature, String identity, Kind kind, String why) {
    /** What a JDK can cache. */
    enum Kind {
        AOT("AOT cache", ".aot"),
        CDS("CDS archive", ".jsa"),
        NONE("none", "");

        final String words;
        final String suffix;

        Kind(String words, String suffix) {
            this.words = words;
            this.suffix = suffix;
        }
    }

    private static final Pattern VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

    /** The JDK of {@code java} ({@code <home>/bin/java}). Reads a file or two. */
    static WorkerJdk of(Path java) {
        Path real = java;
        try {
            real = java.toRealPath();
        } catch (IOException e) {
            return new WorkerJdk(java, -1, java.toString(), Kind.NONE, java + " does not exist");
        }
        Path home = real.getParent() == null ? null : real.getParent().getParent();
        String release;
        try {
            release = home == null ? "" : Files.readString(home.resolve("release"));
        } catch (IOException e) {
            return new WorkerJdk(java, -1, real.toString(), Kind.NONE, "its JDK's version cannot be told (no " + home + "/release)");
        }
        Matcher m = VERSION.matcher(release);
        int feature = m.find() ? Integer.parseInt(m.group(1)) : -1;
        String identity = real + "\n" + release;
        if (feature >= 25) return new WorkerJdk(java, feature, identity, Kind.AOT, null);
        if (feature >= 17 && Files.isRegularFile(home.resolve("lib/server/classes.jsa"))) {
            return new WorkerJdk(java, feature, identity, Kind.CDS, null);
        }
        if (feature >= 17) {
            return new WorkerJdk(java, feature, identity, Kind.NONE, "JDK " + feature + " at " + home
                    + " has no default CDS archive (lib/server/classes.jsa), which a dynamic archive builds on");
        }
        return new WorkerJdk(java, feature, identity, Kind.NONE, "the JDK at " + home + " is older than 17 or of unknown version");
    }
}
