package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Main;
import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code jcluster init} on jars made here: what it finds in a Spring Boot jar (Start-Class, the
 * ports of its application.yml or .properties, its server), a Quarkus jar, a JDK server and a jar
 * that serves nothing; the file it writes loads as {@code start} loads it, every key commented;
 * bad input (a missing file, a file that is not a jar, a library jar, an existing file, a bad
 * flag) is exit 2 with the reason, and nothing is written.
 */
class InitTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    @Test
    void aSpringBootJarGetsItsNameItsPortsAndTheSpringKeys() throws Exception {
        Path jar = jar("shop-1.4.2-SNAPSHOT.jar", bootManifest(), Map.of(
                "BOOT-INF/classes/application.yml", """
                        # the app
                        spring:
                          application:
                            name: shop   # its name
                        server:
                          port: ${PORT:9090}
                        management:
                          server:
                            port: "9091"
                        ---
                        spring.config.activate.on-profile: prod
                        server:
                          port: 80
                        """,
                "BOOT-INF/lib/tomcat-embed-core-10.1.30.jar", ""));
        Run r = init(jar.toString());
        assertEquals(0, r.code(), r.err());
        Path file = dir.resolve("jcluster.toml");
        assertEquals("wrote " + file + ": a Spring Boot 3.4.1 app on Tomcat (com.example.shop.ShopApplication)\n"
                + "start it with: jcluster start " + file + "\n", r.out());
        String text = Files.readString(file);
        assertTrue(text.contains("ports = [9090, 9091]"), text);
        assertTrue(text.contains("ports = [9090, 9091]                # server.port = ${PORT:9090} in application.yml, its default, then management.server.port in application.yml"), text);
        assertTrue(text.contains("aot_cache = \"auto\"") && text.contains("ready_timeout = \"2m\""), text);
        everyKeyHasAComment(text);
        AppConfig config = load(file);
        assertEquals("shop", config.name());
        assertEquals(List.of(9090, 9091), config.ports());
        assertEquals(jar, config.jar());
        assertEquals(dir, config.workDir());

        assertEquals(0, init(jar.toString(), "--force", "-p", "9091").code(), "--port on the management port");
        assertEquals(List.of(9091), load(file).ports());
    }

    @Test
    void propertiesWinOverYamlAndConfigOverTheRootAsInSpring() throws Exception {
        Path jar = jar("api.jar", bootManifest(), Map.of(
                "BOOT-INF/classes/application.yml", "server:\n  port: 7001\n",
                "BOOT-INF/classes/application.properties", "server.port=7002\n",
                "BOOT-INF/classes/config/application.properties", "server.port = 7003\nspring.application.name=not a name\n",
                "BOOT-INF/lib/jetty-server-12.0.1.jar", ""));
        assertEquals(0, init(jar.toString(), "-o", dir.resolve("api.toml").toString()).code());
        AppConfig config = load(dir.resolve("api.toml"));
        assertEquals(List.of(7003), config.ports());
        assertEquals("api", config.name(), "an unusable spring.application.name gives way to the jar's name");
        assertTrue(Files.readString(dir.resolve("api.toml")).contains("Spring Boot 3.4.1 app on Jetty"));
    }

    @Test
    void flagsWinAndTheFileCanGoElsewhere() throws Exception {
        Path jar = jar("api.jar", bootManifest(), Map.of("BOOT-INF/classes/application.properties", "server.port=7002\n"));
        Path etc = Files.createDirectories(dir.resolve("etc/jcluster"));
        Run r = init(jar.toString(), "--name", "orders", "-p", "9400", "-o", etc.toString());
        assertEquals(0, r.code(), r.err());
        AppConfig config = load(etc.resolve("jcluster.toml"));
        assertEquals("orders", config.name());
        assertEquals(List.of(9400), config.ports());
        assertEquals(jar, config.jar());
        assertEquals(dir, config.workDir(), "the workers run in the jar's directory, not in the config's");
        assertTrue(r.out().contains("with no web server"), "no server jar in BOOT-INF/lib: " + r.out());
        assertTrue(r.err().contains("found no server in api.jar"), r.err());
    }

    @Test
    void otherServersAreNamedAndGetTheirPortVariable() throws Exception {
        Path quarkus = jar("q.jar", mainManifest("io.quarkus.bootstrap.runner.QuarkusEntryPoint"),
                Map.of("io/quarkus/runtime/Quarkus.class", "", "io/vertx/core/Vertx.class", ""));
        Run r = init(quarkus.toString(), "-p", "8500");
        assertEquals(0, r.code(), r.err());
        String text = Files.readString(dir.resolve("jcluster.toml"));
        assertTrue(text.contains("a Quarkus server"), text);
        assertTrue(text.contains("QUARKUS_HTTP_PORT = \"8500\""), text);
        assertEquals("8500", load(dir.resolve("jcluster.toml")).env().get("QUARKUS_HTTP_PORT"));
        everyKeyHasAComment(text);

        Path jdk = jar("jdk.jar", mainManifest("demo.Main"), Map.of("demo/Main.class",
                "\u00ca\u00fe\u00ba\u00be...com/sun/net/httpserver/HttpServer...create"));
        Run j = init(jdk.toString(), "--force");
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().contains("a server on the JDK's HttpServer (demo.Main)"), j.out());
        assertEquals("", j.err());
    }

    @Test
    void aJarThatServesNothingGetsAFileThatSaysSo() throws Exception {
        Path tool = jar("tool-2.0.jar", mainManifest("tool.Main"), Map.of("tool/Main.class", "\u00ca\u00fe\u00ba\u00bejava/io/PrintStream println"));
        Run r = init(tool.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("a runnable jar with no server found in it (tool.Main)"), r.out());
        assertTrue(r.err().contains("note: found no server in tool-2.0.jar"), r.err());
        String text = Files.readString(dir.resolve("jcluster.toml"));
        assertTrue(text.contains("No server found"), text);
        assertEquals("tool", load(dir.resolve("jcluster.toml")).name());
    }

    @Test
    void badInputIsExitTwoWithTheReasonAndWritesNothing() throws Exception {
        Run missing = init(dir.resolve("nope.jar").toString());
        assertEquals(2, missing.code());
        assertEquals("jcluster: " + dir.resolve("nope.jar") + ": no such file\n", missing.err());

        Path text = Files.writeString(dir.resolve("app.jar"), "not a zip\n");
        Run notAJar = init(text.toString());
        assertEquals(2, notAJar.code());
        assertTrue(notAJar.err().contains(text + " is not a jar ("), notAJar.err());

        Path library = jar("lib.jar", new Manifest(), Map.of("lib/Util.class", ""));
        Run noMain = init(library.toString());
        assertEquals(2, noMain.code());
        assertTrue(noMain.err().contains("has no Main-Class in its manifest, so java -jar cannot run it"), noMain.err());

        Run directory = init(dir.toString());
        assertEquals(2, directory.code());
        assertTrue(directory.err().contains("is a directory"), directory.err());

        Path app = jar("ok.jar", mainManifest("ok.Main"), Map.of("ok/Main.class", "java/net/ServerSocket"));
        assertEquals(2, init(app.toString(), "-p", "0").code());
        assertEquals(2, init(app.toString(), "-p", "65536").code());
        Run badName = init(app.toString(), "--name", "my app");
        assertEquals(2, badName.code());
        assertTrue(badName.err().contains("--name 'my app' is not a usable app name"), badName.err());
        assertEquals(2, init(app.toString(), "-o", dir.resolve("no/such/dir/x.toml").toString()).code());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".toml") || p.getFileName().toString().startsWith(".")).toList(),
                    "nothing written");
        }
    }

    @Test
    void anExistingFileIsKeptUnlessForce() throws Exception {
        Path app = jar("ok.jar", mainManifest("ok.Main"), Map.of("ok/Main.class", "java/net/ServerSocket"));
        Path file = Files.writeString(dir.resolve("jcluster.toml"), "# mine\n");
        Run r = init(app.toString());
        assertEquals(2, r.code());
        assertEquals("jcluster: " + file + " exists: not overwritten (jcluster init --force replaces it)\n", r.err());
        assertEquals("# mine\n", Files.readString(file));
        assertEquals(0, init(app.toString(), "--force").code());
        assertEquals("ok", load(file).name());
    }

    private static void everyKeyHasAComment(String text) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#") || line.equals("[app]") || line.equals("[reload]")) continue;
            assertTrue(line.contains(" # "), "a key without a comment: " + line);
        }
    }

    private static AppConfig load(Path file) throws Exception {
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), file.getParent().toString()));
    }

    private Run init(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "init";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    private static Manifest bootManifest() {
        Manifest m = mainManifest("org.springframework.boot.loader.launch.JarLauncher");
        m.getMainAttributes().putValue("Start-Class", "com.example.shop.ShopApplication");
        m.getMainAttributes().putValue("Spring-Boot-Version", "3.4.1");
        return m;
    }

    private static Manifest mainManifest(String mainClass) {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        return m;
    }

    private Path jar(String name, Manifest manifest, Map<String, String> entries) throws IOException {
        manifest.getMainAttributes().putIfAbsent(Attributes.Name.MANIFEST_VERSION, "1.0");
        Map<String, String> all = new LinkedHashMap<>();
        if (entries.keySet().stream().anyMatch(e -> e.startsWith("BOOT-INF/"))) {
            all.put("BOOT-INF/", null);
            all.put("BOOT-INF/classes/", null);
        }
        all.putAll(entries);
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, String> e : all.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                if (e.getValue() != null) out.write(e.getValue().getBytes(StandardCharsets.ISO_8859_1));
                out.closeEntry();
            }
        }
        return jar;
    }
}
