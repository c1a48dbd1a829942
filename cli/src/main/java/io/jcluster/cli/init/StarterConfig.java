package io.jcluster.cli.init;

import java.util.ArrayList;
import java.util.List;

/**
 * The commented {@code jcluster.toml} that {@code jcluster init} writes for a jar: what it found in
 * the jar, then only the keys a new user would change, each with a one-line comment. Everything
 * else keeps its default ({@code man jcluster.toml} lists them).
 */
public final class StarterConfig {
    /** The column the comments start at, as in the examples' files. */
    private static final int COMMENT_COLUMN = 36;
    /** The port a server gets when nothing names one: jcluster's default. */
    public static final int DEFAULT_PORT = 8080;

    private final List<String> lines = new ArrayList<>();

    private StarterConfig() {}

    /**
     * The file for {@code survey}'s jar.
     *
     * @param file where the file goes
     * @param name the app's name
     * @param portFlag the port given with {@code --port}, or null
     * @param jarKey the {@code jar} value: the jar's path relative to the file's directory, or absolute
     * @param cwdKey the {@code cwd} value when the file is not beside the jar (the workers then still
     *               run in the jar's directory), or null
     */
    public static String text(JarSurvey survey, java.nio.file.Path file, String name, Integer portFlag, String jarKey, String cwdKey) {
        StarterConfig c = new StarterConfig();
        String jarName = survey.jar().getFileName().toString();
        c.lines.add("# jcluster.toml for " + jarName + ": " + survey.what() + " (" + survey.mainClass() + ").");
        for (String l : about(survey)) c.lines.add("# " + l);
        c.lines.add("# Written by jcluster init: only the keys you are likely to change. Every key: man jcluster.toml.");
        c.lines.add("# Start it with: jcluster start " + file);
        c.lines.add("[app]");
        c.key("name = " + quote(name), "the app's name in jcluster ls, logs, reload and stop");
        c.key("jar = " + quote(jarKey), cwdKey == null && !jarKey.startsWith("/") ? "relative to this file" : "the app's jar");
        if (cwdKey != null) c.key("cwd = " + quote(cwdKey), "the workers' working directory: the jar's");
        c.key("instances = \"auto\"", "worker JVMs: \"auto\" = one per core, or a number");
        int port = portFlag != null ? portFlag : survey.port() != null ? survey.port().value() : DEFAULT_PORT;
        String from = portFlag != null ? "from --port" : survey.port() != null ? survey.port().from()
                : survey.springBoot() != null ? "server.port is not set in the jar: Spring's default" : "jcluster's default";
        if (survey.managementPort() != null && survey.managementPort().value() != port) {
            c.key("ports = [" + port + ", " + survey.managementPort().value() + "]",
                    from + ", then " + survey.managementPort().from());
        } else {
            c.key("port = " + port, from + portNote(survey));
        }
        c.key("jvm_args = []", "e.g. [\"-Xmx512m\"]; with no heap size each worker may use 75 % of memory / workers");
        if (survey.springBoot() != null) {
            c.key("aot_cache = \"auto\"", "workers start from a cache of the classes made in the background (JDK 25: about 0.45x the start); false: never");
        }
        c.lines.add("");
        c.key("[app.env]", "the workers' environment; secrets too (keep this file private)");
        if (survey.portVariable() != null) {
            c.key(survey.portVariable() + " = " + quote(Integer.toString(port)), survey.server() + " takes its port from it: keep it equal to port");
        } else {
            c.lines.add(survey.springBoot() != null ? "# SPRING_PROFILES_ACTIVE = \"prod\"" : "# DATABASE_URL = \"postgres://localhost/app\"");
        }
        c.lines.add("");
        c.lines.add("[reload]");
        if (survey.springBoot() != null) {
            c.key("ready_timeout = \"2m\"", "a new worker not ready by then has failed (a Spring context takes a while)");
        } else {
            c.key("ready_timeout = \"60s\"", "a new worker not ready by then has failed");
        }
        c.key("drain_timeout = \"10s\"", "how long a replaced worker may finish its requests before SIGTERM");
        return String.join("\n", c.lines) + "\n";
    }

    /** A line or two on how the app meets jcluster. */
    private static List<String> about(JarSurvey s) {
        if (s.linksWorkerRuntime()) {
            return List.of("It serves on the socket jcluster hands each worker (SlotListener) and says when it is ready",
                    "(JCluster.ready()); jcluster top shows its requests/s, latency and event-loop lag.");
        }
        if (s.serves()) {
            return List.of("Its own bind() of the port takes the slot's socket (jcluster's preload library): nothing in the app changes.");
        }
        return List.of("No server found: no Spring Boot web server, worker-runtime, known server, nor a class that opens",
                "a listening socket. jcluster runs servers: a worker is ready once it listens on the port below.");
    }

    private static String portNote(JarSurvey s) {
        if (s.springBoot() != null) return "; reaches Spring as SERVER_PORT";
        if (s.linksWorkerRuntime()) return "; SlotListener.serve serves the slot's socket of it";
        if (s.portVariable() != null) return "; the app must bind it";
        return "; the app must bind it (it gets it as PORT)";
    }

    private void key(String assignment, String comment) {
        StringBuilder l = new StringBuilder(assignment);
        do l.append(' '); while (l.length() < COMMENT_COLUMN);
        lines.add(l.append("# ").append(comment).toString());
    }

    /** A TOML basic string. */
    static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                default -> {
                    if (ch < 0x20 || ch == 0x7f) q.append(String.format("\\u%04x", (int) ch));
                    else q.append(ch);
                }
            }
        }
        return q.append('"').toString();
    }
}
