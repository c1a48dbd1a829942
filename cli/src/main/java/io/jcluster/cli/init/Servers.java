package io.jcluster.cli.init;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The servers {@code init} knows in a jar: by a class each one has (shaded into a fat jar), or by
 * its jar's name (nested under {@code BOOT-INF/lib}, {@code WEB-INF/lib} or {@code lib/}, or on
 * the manifest's {@code Class-Path}). For a jar with none of them, whether any of its classes
 * opens a listening socket itself (the JDK's HttpServer, a ServerSocket, a ServerSocketChannel).
 */
final class Servers {
    /**
     * A server: its name, a class of it, the start of its jar's name, and the environment variable
     * it takes its port from when that is neither {@code PORT} nor {@code SERVER_PORT} (null otherwise).
     */
    record Known(String name, String classEntry, String jarPrefix, String portVariable) {}

    /** The most specific first: Quarkus runs on Vert.x, which runs on Netty. */
    static final List<Known> KNOWN = List.of(
            new Known("Quarkus", "io/quarkus/runtime/Quarkus.class", "quarkus-core", "QUARKUS_HTTP_PORT"),
            new Known("Micronaut", "io/micronaut/http/server/HttpServerConfiguration.class", "micronaut-http-server", "MICRONAUT_SERVER_PORT"),
            new Known("Helidon", "io/helidon/webserver/WebServer.class", "helidon-webserver", null),
            new Known("Javalin", "io/javalin/Javalin.class", "javalin", null),
            new Known("Vert.x", "io/vertx/core/Vertx.class", "vertx-core", null),
            new Known("Reactor Netty", "reactor/netty/http/server/HttpServer.class", "reactor-netty-http", null),
            new Known("Tomcat", "org/apache/catalina/connector/Connector.class", "tomcat-embed-core", null),
            new Known("Jetty", "org/eclipse/jetty/server/Server.class", "jetty-server", null),
            new Known("Undertow", "io/undertow/Undertow.class", "undertow-core", null),
            new Known("Netty", "io/netty/bootstrap/ServerBootstrap.class", "netty-transport", null));

    /** What a class that listens itself refers to, and how init names it. */
    private static final List<String[]> LISTENERS = List.of(
            new String[] {"com/sun/net/httpserver/HttpServer", "on the JDK's HttpServer"},
            new String[] {"java/nio/channels/ServerSocketChannel", "that opens a ServerSocketChannel"},
            new String[] {"java/nio/channels/AsynchronousServerSocketChannel", "that opens an AsynchronousServerSocketChannel"},
            new String[] {"java/net/ServerSocket", "that opens a ServerSocket"});

    /** How much of a jar's classes the listener scan reads at most: a fat jar is mostly libraries. */
    private static final long SCAN_BYTES = 64L << 20;

    private Servers() {}

    /** The first known server in {@code zip} (shaded or nested) or on its manifest's Class-Path, or null. */
    static Known find(ZipFile zip, Path jar, Manifest manifest) {
        for (Known k : KNOWN) {
            if (zip.getEntry(k.classEntry()) != null) return k;
        }
        List<String> nested = zip.stream().map(ZipEntry::getName)
                .filter(n -> n.endsWith(".jar") && (n.startsWith("BOOT-INF/lib/") || n.startsWith("WEB-INF/lib/") || n.startsWith("lib/")))
                .map(n -> n.substring(n.lastIndexOf('/') + 1)).toList();
        List<String> classPath = classPath(jar, manifest);
        for (Known k : KNOWN) {
            for (String name : nested) if (name.startsWith(k.jarPrefix() + "-")) return k;
            for (String name : classPath) if (name.startsWith(k.jarPrefix() + "-")) return k;
        }
        return null;
    }

    /** The file names of the jars the manifest's Class-Path names that exist beside {@code jar}. */
    private static List<String> classPath(Path jar, Manifest manifest) {
        String cp = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        if (cp == null || cp.isBlank()) return List.of();
        Path dir = jar.toAbsolutePath().getParent();
        return java.util.Arrays.stream(cp.strip().split("\\s+"))
                .filter(e -> e.endsWith(".jar") && !e.contains(":"))
                .filter(e -> Files.isRegularFile(dir.resolve(e)))
                .map(e -> e.substring(e.lastIndexOf('/') + 1)).toList();
    }

    /**
     * How {@code zip}'s own classes open a listening socket (e.g. "on the JDK's HttpServer"), or
     * null: the classes are read (up to a bound) for a reference to one.
     */
    static String listener(ZipFile zip) throws IOException {
        long read = 0;
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements() && read < SCAN_BYTES) {
            ZipEntry e = entries.nextElement();
            if (!e.getName().endsWith(".class")) continue;
            byte[] bytes;
            try (InputStream in = zip.getInputStream(e)) {
                bytes = in.readNBytes((int) Math.min(SCAN_BYTES - read, 16 << 20));
            }
            read += bytes.length;
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            for (String[] l : LISTENERS) {
                if (text.contains(l[0])) return l[1];
            }
        }
        return null;
    }
}
