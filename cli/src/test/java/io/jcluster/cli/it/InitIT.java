package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code jcluster init} through the packaged launcher on real jars: the stock Spring Boot example and
 * hello-netty, each then started by {@code jcluster start} from the file init wrote, unchanged, and
 * answering on its port; and a runnable jar that is no server (compiled here), for which the file
 * says so. Bad input leaves the directory as it was.
 */
@Timeout(480)
class InitIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Duration HTTP = Duration.ofSeconds(10);

    @Test
    void theSpringBootExampleStartsFromTheFileInitWrote() throws Exception {
        Path built = Needs.built(EXAMPLES.resolve("hello-spring/target/hello-spring.jar"), "hello-spring");
        try (Sandbox sandbox = new Sandbox()) {
            Files.copy(built, sandbox.dir.resolve("hello-spring.jar"));
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("init", "hello-spring.jar", "--port", Integer.toString(port));
            assertEquals(0, r.code(), r.all());
            Path file = sandbox.dir.resolve("jcluster.toml");
            assertTrue(r.out().startsWith("wrote " + file + ": a Spring Boot 3."), r.out());
            assertTrue(r.out().contains(" app on Tomcat (io.jcluster.examples.spring.HelloSpring)\n"), r.out());
            assertEquals("", r.err());
            String text = Files.readString(file);
            assertTrue(text.contains("name = \"hello-spring\""), "spring.application.name: " + text);
            assertTrue(text.contains("port = " + port + " ") && text.contains("ready_timeout = \"2m\""), text);

            // -i 1 only spares the machine a second Spring JVM; the file itself is started as init wrote it
            Sandbox.Result start = sandbox.cli("start", file.toString(), "-i", "1");
            assertEquals(0, start.code(), () -> start.all() + sandbox.primaryLog("hello-spring"));
            assertTrue(Sandbox.get(port, HTTP).startsWith("hello from spring"));
            assertEquals(0, sandbox.cli("stop", "hello-spring").code());
            assertEquals(List.of(), sandbox.leftovers());
        }
    }

    @Test
    void helloNettyInAProjectDirectoryStartsWithNoArgumentAtAll() throws Exception {
        Path built = Needs.built(Sandbox.HELLO_JAR, "hello-netty");
        try (Sandbox sandbox = new Sandbox()) {
            Files.createDirectories(sandbox.dir.resolve("target"));
            Files.copy(built, sandbox.dir.resolve("target/hello-netty.jar"));
            Files.copy(built, sandbox.dir.resolve("target/hello-netty-sources.jar"));
            int port = Sandbox.freePort();
            Sandbox.Result r = sandbox.cli("init", "-p", Integer.toString(port));
            assertEquals(0, r.code(), r.all());
            Path file = sandbox.dir.resolve("jcluster.toml");
            assertTrue(r.out().startsWith("wrote " + file + ": an app that links worker-runtime (Netty) (io.jcluster.examples.hello.HelloNetty)\n"), r.out());
            String text = Files.readString(file);
            assertTrue(text.contains("jar = \"target/hello-netty.jar\""), text);

            Sandbox.Result start = sandbox.cli("start");
            assertEquals(0, start.code(), () -> start.all() + sandbox.primaryLog("hello-netty"));
            assertTrue(Sandbox.get(port, HTTP).startsWith("hello from jcluster"));

            Sandbox.Result again = sandbox.cli("init", "-p", "9999");
            assertEquals(2, again.code());
            assertEquals("jcluster: " + file + " exists: not overwritten (jcluster init --force replaces it)\n", again.err());
            assertEquals(text, Files.readString(file));

            assertEquals(0, sandbox.cli("stop", "hello-netty").code());
            assertEquals(List.of(), sandbox.leftovers());
        }
    }

    @Test
    void aJarThatIsNoServerGetsAFileThatSaysSoAndBadInputWritesNothing() throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            Path jar = toolJar(sandbox.dir);
            Sandbox.Result r = sandbox.cli("init", jar.toString());
            assertEquals(0, r.code(), r.all());
            assertTrue(r.out().contains("a runnable jar with no server found in it (tool.Main)"), r.out());
            assertTrue(r.err().contains("note: found no server in tool.jar"), r.err());
            Path file = sandbox.dir.resolve("jcluster.toml");
            assertTrue(Files.readString(file).contains("No server found"));
            AppConfig config = ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), sandbox.dir.toString()));
            assertEquals("tool", config.name());
            Files.delete(file);

            List<Path> before = listing(sandbox.dir);
            Sandbox.Result missing = sandbox.cli("init", "nope.jar");
            assertEquals(2, missing.code());
            assertEquals("jcluster: " + sandbox.dir.resolve("nope.jar") + ": no such file\n", missing.err());
            Files.writeString(sandbox.dir.resolve("notes.jar"), "not a zip");
            before = listing(sandbox.dir);
            Sandbox.Result notAJar = sandbox.cli("init", "notes.jar");
            assertEquals(2, notAJar.code());
            assertTrue(notAJar.err().startsWith("jcluster: " + sandbox.dir.resolve("notes.jar") + " is not a jar ("), notAJar.err());
            assertEquals(before, listing(sandbox.dir), "nothing written");
        }
    }

    /** A runnable jar whose main prints a line and exits. */
    private static Path toolJar(Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/tool")).resolve("Main.java");
        Files.writeString(src, "package tool;\npublic class Main {\n  public static void main(String[] args) {\n"
                + "    System.out.println(\"hello, once\");\n  }\n}\n");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Needs.that(javac != null, "a JDK (javac) to run the tests");
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()));
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "tool.Main");
        Path jar = dir.resolve("tool.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, m)) {
            out.putNextEntry(new JarEntry("tool/Main.class"));
            out.write(Files.readAllBytes(classes.resolve("tool/Main.class")));
            out.closeEntry();
        }
        return jar;
    }

    private static List<Path> listing(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.startsWith(dir.resolve("home"))).filter(p -> !p.getFileName().toString().matches("(out|err).*\\.txt"))
                    .sorted().toList();
        }
    }
}
