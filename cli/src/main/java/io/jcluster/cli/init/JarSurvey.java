package io.jcluster.cli.init;

import io.jcluster.cli.config.AppJar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * What {@code jcluster init} found in an app's jar.
 *
 * @param jar the jar, absolute
 * @param mainClass the app's own main class: a Spring Boot jar's {@code Start-Class}, else {@code Main-Class}
 * @param springBoot the Spring Boot version of a Boot jar ({@code "3.5.3"}, or {@code ""} when the
 *                   manifest does not say), null for any other jar
 * @param linksWorkerRuntime whether the jar contains worker-runtime (shaded or nested)
 * @param server the name of the server it runs on ("Tomcat", "Vert.x"), or null
 * @param portVariable the environment variable its server takes the port from when that is neither
 *                     {@code PORT} nor {@code SERVER_PORT} (which every worker gets), or null
 * @param listener for a jar with no known server: how its classes listen ("on the JDK's HttpServer"), or null
 * @param port the port its own configuration names ({@code server.port} of a Boot jar), or null
 * @param managementPort a Boot jar's {@code management.server.port} when it differs from the port, or null
 * @param springName a Boot jar's {@code spring.application.name}, or null
 */
public record JarSurvey(Path jar, String mainClass, String springBoot, boolean linksWorkerRuntime, String server,
                        String portVariable, String listener, Setting port, Setting managementPort, String springName) {

    /** A value read from the app's configuration, with where it came from ("server.port in BOOT-INF/classes/application.yml"). */
    public record Setting(int value, String from) {}

    /** Whether the jar holds anything that serves: a server, worker-runtime, or a class that listens. */
    public boolean serves() {
        return server != null || linksWorkerRuntime || listener != null;
    }

    /** What the app is, in a few words: "a Spring Boot 3.5.3 app on Tomcat", "a Vert.x server". */
    public String what() {
        if (springBoot != null) {
            return "a Spring Boot " + (springBoot.isEmpty() ? "" : springBoot + " ") + "app"
                    + (server != null ? " on " + server : linksWorkerRuntime ? " that links worker-runtime" : " with no web server");
        }
        if (linksWorkerRuntime) return "an app that links worker-runtime" + (server != null ? " (" + server + ")" : "");
        if (server != null) return "a " + server + " server";
        if (listener != null) return "a server " + listener;
        return "a runnable jar with no server found in it";
    }

    /** Looks into {@code jar}. */
    public static JarSurvey of(Path jar) throws NotAnAppJar, IOException {
        Path file = jar.toAbsolutePath().normalize();
        if (Files.isDirectory(file)) throw new NotAnAppJar(jar + " is a directory: give the app's jar file");
        if (!Files.isRegularFile(file)) throw new NotAnAppJar(jar + ": no such file");
        try (JarFile zip = new JarFile(file.toFile(), false)) {
            Manifest manifest = manifest(zip);
            Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
            String startClass = main.getValue("Start-Class");
            String mainClass = main.getValue(Attributes.Name.MAIN_CLASS);
            boolean boot = startClass != null && (main.getValue("Spring-Boot-Version") != null || main.getValue("Spring-Boot-Classes") != null
                    || zip.getEntry("BOOT-INF/") != null);
            if (mainClass == null || mainClass.isBlank()) {
                throw new NotAnAppJar(jar + " has no Main-Class in its manifest, so java -jar cannot run it: give the"
                        + " server's runnable jar (not a library, nor the -plain or .original jar a build leaves beside it)");
            }
            Servers.Known known = Servers.find(zip, file, manifest);
            String server = known == null ? null : known.name();
            String portVariable = known == null ? null : known.portVariable();
            boolean runtime = AppJar.linksWorkerRuntime(zip);
            String listener = known == null && !runtime && !boot ? Servers.listener(zip) : null;
            if (!boot) return new JarSurvey(file, mainClass.strip(), null, runtime, server, portVariable, listener, null, null, null);
            SpringProperties props = SpringProperties.of(zip);
            String version = main.getValue("Spring-Boot-Version");
            Setting port = port(props, "server.port");
            Setting management = port(props, "management.server.port");
            if (management != null && port != null && management.value() == port.value()) management = null;
            if (management != null && port == null && management.value() == 8080) management = null;
            SpringProperties.Value name = props.get("spring.application.name");
            return new JarSurvey(file, startClass != null ? startClass.strip() : mainClass.strip(), version == null ? "" : version.strip(),
                    runtime, server, portVariable, null, port, management, name == null ? null : name.text());
        } catch (ZipException | SecurityException e) {
            throw new NotAnAppJar(jar + " is not a jar (" + e.getMessage() + "): give the app's jar file, whole (a jar still"
                    + " being copied has no zip directory yet)");
        }
    }

    private static Manifest manifest(JarFile zip) throws IOException {
        ZipEntry e = zip.getEntry(JarFile.MANIFEST_NAME);
        if (e == null) return null;
        try (InputStream in = zip.getInputStream(e)) {
            return new Manifest(in);
        }
    }

    /**
     * A port property: a number, or a placeholder with a default ({@code ${PORT:8080}}). Null when the
     * property is not set or not a port a server can share (0 is a random port, -1 no server).
     */
    private static Setting port(SpringProperties props, String key) {
        SpringProperties.Value v = props.get(key);
        if (v == null) return null;
        String text = v.text();
        String from = key + " in " + v.file();
        if (text.startsWith("${") && text.endsWith("}") && text.contains(":")) {
            from = key + " = " + text + " in " + v.file() + ", its default";
            text = text.substring(text.indexOf(':') + 1, text.length() - 1);
        }
        try {
            int port = Integer.parseInt(text.strip());
            return port >= 1 && port <= 65535 ? new Setting(port, from) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
