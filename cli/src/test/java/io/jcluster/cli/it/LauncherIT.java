package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/jcluster} and the CLI's class-data archive: the build makes one that this java accepts
 * as is ({@code -Xshare:on}); a stale one, or a java that did not make it, is left out without a
 * word; and {@code JCLUSTER_CDS=dump} makes a new one for a copy of the distribution elsewhere.
 */
@Timeout(180)
class LauncherIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @Test
    void theBuiltArchiveIsValidForThisJava() throws Exception {
        Path lib = Sandbox.DIST.resolve("lib");
        Needs.that(Files.isRegularFile(lib.resolve("jcluster.jsa")), "the build made the archive (tests were compiled)");
        assertTrue(Files.isRegularFile(lib.resolve("jcluster.classlist")));
        Run r = strictlyShared(Sandbox.DIST);
        assertEquals(0, r.code, r.all());
        assertTrue(r.out.startsWith("jcluster "), r.all());
    }

    @Test
    void aStaleArchiveIsLeftOutSilentlyAndDumpMakesANewOne() throws Exception {
        Path copy = Files.createTempDirectory("jcluster-dist-");
        try {
            copyTree(Sandbox.DIST, copy);
            Path lib = copy.resolve("lib");
            Needs.that(Files.isRegularFile(lib.resolve("jcluster.classlist")), "the build made the class list");
            // An archive made for another directory: the JVM would refuse it and drop all sharing.
            Files.copy(Sandbox.DIST.resolve("lib/jcluster.jsa"), lib.resolve("jcluster.jsa"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(lib.resolve("jcluster.jsa.java"), JAVA.toRealPath() + "\n");
            Files.setLastModifiedTime(lib.resolve("picocli.jar"), FileTime.from(Instant.now().plusSeconds(5)));
            for (Path java : javas()) {
                Run r = launcher(copy, java, Map.of(), "--version");
                assertEquals(0, r.code, r.all());
                assertEquals("", r.err, java + " says nothing about the stale archive");
                assertTrue(r.out.startsWith("jcluster "), r.all());
            }

            Run dump = launcher(copy, JAVA, Map.of("JCLUSTER_CDS", "dump"), "--version");
            assertEquals(0, dump.code, dump.all());
            assertEquals("", dump.err, dump.all());
            assertEquals(JAVA.toRealPath().toString(), Files.readString(lib.resolve("jcluster.jsa.java")).trim());
            Run shared = strictlyShared(copy);
            assertEquals(0, shared.code, "the new archive fits the copy: " + shared.all());

            for (Path java : javas()) {
                Run r = launcher(copy, java, Map.of(), "ls");
                assertEquals(0, r.code, r.all());
                assertEquals("", r.err, java + " runs quietly with an archive of " + JAVA);
            }
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** This java, and another JDK of this machine when there is one (e.g. a newer release). */
    private static List<Path> javas() throws IOException {
        List<Path> javas = new ArrayList<>(List.of(JAVA));
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                for (Path d : dirs.sorted().toList()) {
                    Path java = d.resolve("bin/java");
                    if (Files.isExecutable(java) && !java.toRealPath().equals(JAVA.toRealPath())
                            && javas.stream().noneMatch(j -> sameFile(j, java))) {
                        javas.add(java);
                    }
                }
            }
        }
        return javas;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** The CLI with the archive and {@code -Xshare:on}: fails unless the archive fits exactly. */
    private static Run strictlyShared(Path dist) throws Exception {
        Path lib = dist.resolve("lib").toAbsolutePath();
        return run(List.of(JAVA.toString(), "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0",
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx64m", "-XX:-UsePerfData", "-Xshare:on",
                "-XX:SharedArchiveFile=" + lib.resolve("jcluster.jsa"), "-cp", lib + "/*", "io.jcluster.cli.Main", "--version"),
                Map.of());
    }

    private static Run launcher(Path dist, Path java, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/jcluster").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JCLUSTER_JAVA", java.toString());
        all.put("JCLUSTER_HOME", dist.resolve("home").toString());
        return run(cmd, all);
    }

    record Run(int code, String out, String err) {
        String all() {
            return "exit " + code + "\n" + out + err;
        }
    }

    private static Run run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not finish within 2 minutes");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (!p.getFileName().toString().startsWith("jcluster.jsa")) Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
