package io.jcluster.cli.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Facts about an app's jar read from its zip directory: whether it is whole, and whether it links worker-runtime. */
public final class AppJar {
    /** worker-runtime's API class, shaded into a fat jar. */
    private static final String API_CLASS = "io/jcluster/runtime/JCluster.class";
    /**
     * Jars nested in a Spring Boot or war layout that give request counts: worker-runtime, and the
     * servers whose own figures the agent reads (Tomcat's request processors, Jetty's statistics).
     */
    private static final Pattern NESTED = Pattern.compile("(BOOT-INF|WEB-INF)/lib/(worker-runtime|tomcat-embed-core|jetty-server)[^/]*\\.jar");
    private static final Pattern NESTED_RUNTIME = Pattern.compile("(BOOT-INF|WEB-INF)/lib/worker-runtime[^/]*\\.jar");
    /** The same servers shaded into a fat jar. */
    private static final List<String> SHADED = List.of(API_CLASS, "org/apache/catalina/connector/Connector.class",
            "org/eclipse/jetty/server/handler/StatisticsHandler.class");

    private AppJar() {}

    /**
     * Whether {@code jar}'s zip central directory reads to its end: a jar still being copied or
     * written has none yet (it is at the end of the file), or a cut one.
     */
    public static boolean readable(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) entries.nextElement();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether the jar in {@code zip} links worker-runtime: its API class shaded in, or its jar nested under {@code BOOT-INF/lib} or {@code WEB-INF/lib}. */
    public static boolean linksWorkerRuntime(ZipFile zip) {
        if (zip.getEntry(API_CLASS) != null) return true;
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            if (NESTED_RUNTIME.matcher(entries.nextElement().getName()).matches()) return true;
        }
        return false;
    }

    /**
     * Whether the app gives request counts: its jar contains worker-runtime, Tomcat or Jetty (shaded
     * in, or nested under {@code BOOT-INF/lib} or {@code WEB-INF/lib}). A jar that does not read is
     * given the benefit of the doubt (true): that it is not a jar is reported elsewhere.
     */
    public static boolean givesRequestCounts(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String shaded : SHADED) {
                if (zip.getEntry(shaded) != null) return true;
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                if (NESTED.matcher(entries.nextElement().getName()).matches()) return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
