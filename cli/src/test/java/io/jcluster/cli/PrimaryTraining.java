package io.jcluster.cli;

import io.jcluster.cli.commands.CommandLines;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run for the primary's class-data archive, at build time (see {@code cli/pom.xml}):
 * starts a real detached primary of a one-worker app (the fake app, serving HTTP itself), lets it
 * take a few heartbeats and metrics snapshots, asks it for {@code ls}, and stops it. The build runs
 * this with {@code JCLUSTER_PRIMARY_JVM_ARGS} naming {@code -XX:DumpLoadedClassList}, so that the
 * primary's JVM lists every class it loads on the way; {@code bin/jcluster} makes the archive from it.
 * Everything it starts is stopped, by pid, before it returns.
 */
public final class PrimaryTraining {
    /** Libraries on the test class path that the distribution does not ship (JUnit, ArchUnit and the SLF4J it brings). */
    private static final List<String> TEST_ONLY = List.of("/org/junit/", "/org/opentest4j/", "/org/apiguardian/",
            "/com/tngtech/archunit/", "/org/slf4j/");

    private PrimaryTraining() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getenv("JCLUSTER_HOME"));
        Path classes = Path.of(args[0]); // the test classes, where the fake app is
        Path classlist = Path.of(args[1]);
        // the primary it starts runs on this class path: as the distribution's, or it would load (and list)
        // what only the tests bring, such as SLF4J, which netty logs through when it finds it
        System.setProperty("java.class.path", Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> TEST_ONLY.stream().noneMatch(entry::contains)).collect(Collectors.joining(File.pathSeparator)));
        deleteTree(home);
        Files.createDirectories(home);
        Files.deleteIfExists(classlist);
        Path jar = fakeAppJar(classes, home.resolve("fake-app.jar"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path toml = Files.writeString(home.resolve("jcluster.toml"), "[app]\nname = \"train\"\njar = \"" + jar + "\"\n"
                + "instances = 1\nhost = \"127.0.0.1\"\nport = " + port + "\nlisten = \"self\"\nargs = [\"self-http\"]\n");
        StringBuilder codes = new StringBuilder();
        try {
            run(codes, "start", toml.toString());
            Thread.sleep(3_000); // heartbeats, metrics snapshots, health checks
            run(codes, "ls");
            run(codes, "ls", "--json");
            run(codes, "describe", "train");
            run(codes, "stop", "train");
        } finally {
            killLeft(home);
            deleteTree(home);
        }
        // quiet when it went as planned (a build under -q prints nothing)
        if (!codes.toString().matches("([^;]* -> 0; )*") || !Files.isRegularFile(classlist)) {
            System.out.println("primary training: " + codes + (Files.isRegularFile(classlist)
                    ? Files.readAllLines(classlist).size() + " lines in " + classlist.getFileName() : "no class list written"));
        }
    }

    private static void run(StringBuilder codes, String... line) {
        CommandLine cl = CommandLines.forArgs(line);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        int code = cl.execute(line);
        codes.append(String.join(" ", line).replaceAll("/\\S*/", "")).append(" -> ").append(code).append("; ");
        if (code != 0) System.out.println("primary training: " + String.join(" ", line) + " failed: " + out);
    }

    /** A runnable jar of the fake app's classes, as the build's fake-app jar (not made yet in this phase). */
    private static Path fakeAppJar(Path classes, Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.jcluster.fake.FakeApp");
        Path root = classes.resolve("io/jcluster/fake");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A primary the stop left (it should not): it and its workers, by pid. */
    private static void killLeft(Path home) {
        Path pidFile = home.resolve("run/train/primary.pid");
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(p -> {
                List<ProcessHandle> workers = p.descendants().toList();
                p.destroyForcibly();
                workers.forEach(ProcessHandle::destroyForcibly);
                System.out.println("primary training: killed the primary pid " + pid + " the stop left");
            });
        } catch (IOException | NumberFormatException e) {
            // stopped: no pid file left
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
