package io.jcluster.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine (a tool, a JDK, a built jar). Where it is missing the test is
 * skipped with the reason, but under CI ({@code CI=true}, which {@code .ci/run} sets) it fails and says
 * what to install: no test skips silently there.
 */
public final class Needs {
    /** True in a CI run: a missing prerequisite is a failure, not a skip. */
    public static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private Needs() {}

    /** Goes on when {@code met}; otherwise skips, or fails under CI, saying {@code what} is needed. */
    public static void that(boolean met, String what) {
        if (met) return;
        if (CI) fail("this test needs " + what + " (CI=true: a missing prerequisite fails instead of skipping)");
        Assumptions.abort("needs " + what);
    }

    /** The executable {@code path}, which Debian's package {@code debianPackage} installs. */
    public static Path executable(String path, String debianPackage) {
        Path p = Path.of(path);
        that(Files.isExecutable(p), path + " (apt-get install -y " + debianPackage + ")");
        return p;
    }

    /** A file the build makes, such as an example's jar. */
    public static Path built(Path file, String what) {
        that(Files.isRegularFile(file), what + " built at " + file.toAbsolutePath() + " (mvn -B package -DskipTests)");
        return file;
    }

    /**
     * The {@code java} of a JDK 25 or later: {@code $JCLUSTER_TEST_JDK25}'s {@code bin/java} when set,
     * else the first {@code /usr/lib/jvm/*25*} that has one.
     */
    public static Path jdk25() {
        Path java = findJdk25();
        that(java != null, "a JDK 25 (set JCLUSTER_TEST_JDK25 to its home, or install one under /usr/lib/jvm,"
                + " e.g. Temurin 25 from https://adoptium.net)");
        return java;
    }

    /** The JDK 25's {@code java}, or null when there is none. */
    public static Path findJdk25() {
        String env = System.getenv("JCLUSTER_TEST_JDK25");
        if (env != null && !env.isBlank()) {
            Path java = Path.of(env, "bin", "java");
            return Files.isExecutable(java) ? java : null;
        }
        List<Path> homes = new ArrayList<>();
        try (DirectoryStream<Path> jvms = Files.newDirectoryStream(Path.of("/usr/lib/jvm"), "*25*")) {
            jvms.forEach(homes::add);
        } catch (IOException e) {
            return null;
        }
        homes.sort(null);
        for (Path home : homes) {
            Path java = home.resolve("bin/java");
            if (Files.isExecutable(java)) return java;
        }
        return null;
    }
}
