package io.jcluster.cli.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment that lets unmodified frameworks run as workers (see {@code docs/frameworks.md}): the
 * port where the common frameworks look for it, and Spring Boot's Tomcat MBeans switched on so the
 * agent can read request figures. Each is set only when the user's own environment for the app
 * ({@code [app.env]}) does not set it.
 */
public final class FrameworkEnv {

    /** The port for most servers (Heroku's convention; Ktor's generated config, hello-jdk). */
    public static final String PORT = "PORT";
    /** The port for Spring Boot ({@code server.port}) and Helidon ({@code server.port}). */
    public static final String SERVER_PORT = "SERVER_PORT";
    /** Spring Boot registers Tomcat's request-processor MBeans only when this is true. */
    public static final String TOMCAT_MBEAN_REGISTRY = "SERVER_TOMCAT_MBEANREGISTRY_ENABLED";

    private FrameworkEnv() {}

    /**
     * The variables to add to a worker's environment for an app serving {@code port}, leaving out
     * those {@code userEnv} sets (the user's value wins, even a blank one).
     */
    public static Map<String, String> defaults(int port, Map<String, String> userEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(PORT, Integer.toString(port));
        env.put(SERVER_PORT, Integer.toString(port));
        env.put(TOMCAT_MBEAN_REGISTRY, "true");
        env.keySet().removeIf(userEnv::containsKey);
        return env;
    }
}
