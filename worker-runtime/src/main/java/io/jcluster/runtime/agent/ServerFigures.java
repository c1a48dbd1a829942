package io.jcluster.runtime.agent;

import io.jcluster.runtime.metrics.WorkerMetrics;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Request figures of servers that link nothing of jcluster, read from the MBeans they register
 * themselves, so a stock Spring Boot app shows requests per second in {@code top} with no change.
 * JDK only: everything goes through {@link MBeanServer} by object name and attribute name.
 *
 * <ul>
 *   <li><b>Tomcat</b> (Spring Boot registers its MBeans only with
 *       {@code server.tomcat.mbeanregistry.enabled=true}): every {@code <domain>:type=GlobalRequestProcessor,name=<connector>}
 *       ({@code requestCount}, {@code errorCount}, {@code processingTime} and {@code maxTime} in ms, since
 *       start) and the connector's {@code <domain>:type=ThreadPool,name=<connector>} ({@code currentThreadsBusy},
 *       {@code connectionCount}, less the one the acceptor holds). The domain is {@code Tomcat} embedded, {@code Catalina} standalone.</li>
 *   <li><b>Jetty</b> 12, when the app has both a {@code StatisticsHandler} and jetty-jmx's {@code MBeanContainer}:
 *       {@code org.eclipse.jetty.server.handler:type=statisticshandler,*} ({@code requestTotal},
 *       {@code requestsActive}, {@code requestTimeTotal} and {@code requestTimeMax} in ns,
 *       {@code responses4xx}, {@code responses5xx}).</li>
 * </ul>
 *
 * <p>They become the fields linked apps send ({@link WorkerMetrics}): {@code app.http.requests},
 * {@code app.http.latency.sum} (µs), {@code app.http.inflight} and {@code app.connections}, plus
 * {@code app.http.errors} (responses with status 400 or above) and {@code app.http.latency.maxSinceStart}
 * (µs). These servers keep no latency distribution, so no {@code app.http.latency.b<n>} buckets and
 * no interval maximum are sent: the mean comes from the sum and the count.
 *
 * <p>Read on the agent's heartbeat thread; servers that are not there yet (Tomcat starts after the
 * agent) or go away cost nothing but a query. Never throws.
 */
final class ServerFigures {

    static final String ERRORS = "http.errors";
    static final String LATENCY_MAX_SINCE_START = WorkerMetrics.LATENCY + ".maxSinceStart";

    private static final ObjectName TOMCAT_REQUESTS = pattern("*:type=GlobalRequestProcessor,*");
    private static final ObjectName JETTY_STATISTICS = pattern("org.eclipse.jetty.server.handler:type=statisticshandler,*");

    private final Supplier<List<MBeanServer>> servers;

    /** Reads the MBean servers of {@code servers}, asked anew for every heartbeat. */
    ServerFigures(Supplier<List<MBeanServer>> servers) {
        this.servers = servers;
    }

    /**
     * Reads the platform MBean server and any other the app created through {@link MBeanServerFactory}
     * (Tomcat registers in the first one it finds).
     */
    static ServerFigures platform() {
        return new ServerFigures(ServerFigures::mbeanServers);
    }

    /** The platform MBean server, then every other the app created through {@link MBeanServerFactory}. */
    static List<MBeanServer> mbeanServers() {
        Set<MBeanServer> all = new LinkedHashSet<>();
        all.add(ManagementFactory.getPlatformMBeanServer());
        all.addAll(MBeanServerFactory.findMBeanServer(null));
        return new ArrayList<>(all);
    }

    /** Puts the figures, as {@code app.<name>}, into {@code fields}; nothing when no known server is there. */
    void putFields(Map<String, String> fields) {
        Totals t = new Totals();
        for (MBeanServer server : servers.get()) {
            tomcat(server, t);
            jetty(server, t);
        }
        if (!t.any) {
            return;
        }
        put(fields, WorkerMetrics.REQUESTS, t.requests);
        put(fields, ERRORS, t.errors);
        put(fields, WorkerMetrics.LATENCY_SUM, t.latencySumMicros);
        put(fields, LATENCY_MAX_SINCE_START, t.latencyMaxMicros);
        if (t.inflightKnown) {
            put(fields, WorkerMetrics.INFLIGHT, t.inflight);
        }
        if (t.connectionsKnown) {
            put(fields, WorkerMetrics.CONNECTIONS, t.connections);
        }
    }

    private static void tomcat(MBeanServer server, Totals t) {
        for (ObjectName name : server.queryNames(TOMCAT_REQUESTS, null)) {
            try {
                long requests = number(server, name, "requestCount");
                long errors = number(server, name, "errorCount");
                long millis = number(server, name, "processingTime");
                long max = number(server, name, "maxTime");
                t.any = true;
                t.requests += requests;
                t.errors += errors;
                t.latencySumMicros += millis * 1000;
                t.latencyMaxMicros = Math.max(t.latencyMaxMicros, max * 1000);
            } catch (JMException | RuntimeException e) {
                continue; // not a Tomcat connector after all, or it went away meanwhile
            }
            String connector = name.getKeyProperty("name");
            if (connector == null) {
                continue;
            }
            try {
                ObjectName pool = new ObjectName(name.getDomain() + ":type=ThreadPool,name=" + connector);
                if (server.isRegistered(pool)) {
                    long busy = number(server, pool, "currentThreadsBusy");
                    // Tomcat's acceptor counts itself in before it waits in accept(): measured, a
                    // connector with no client reads 1, with three kept-alive clients 4.
                    long open = Math.max(0, number(server, pool, "connectionCount") - 1);
                    t.inflight += busy;
                    t.inflightKnown = true;
                    t.connections += open;
                    t.connectionsKnown = true;
                }
            } catch (JMException | RuntimeException e) {
                // the request figures still count
            }
        }
    }

    private static void jetty(MBeanServer server, Totals t) {
        for (ObjectName name : server.queryNames(JETTY_STATISTICS, null)) {
            try {
                long requests = number(server, name, "requestTotal");
                long active = number(server, name, "requestsActive");
                long nanos = number(server, name, "requestTimeTotal");
                long max = number(server, name, "requestTimeMax");
                long errors = number(server, name, "responses4xx") + number(server, name, "responses5xx");
                t.any = true;
                t.requests += requests;
                t.errors += errors;
                t.latencySumMicros += nanos / 1000;
                t.latencyMaxMicros = Math.max(t.latencyMaxMicros, max / 1000);
                t.inflight += active;
                t.inflightKnown = true;
            } catch (JMException | RuntimeException e) {
                // went away meanwhile
            }
        }
    }

    private static long number(MBeanServer server, ObjectName name, String attribute) throws JMException {
        Object value = server.getAttribute(name, attribute);
        if (value instanceof Number n) {
            return Math.max(0, n.longValue());
        }
        throw new javax.management.AttributeNotFoundException(name + " " + attribute + " is not a number: " + value);
    }

    private static void put(Map<String, String> fields, String name, long value) {
        fields.put("app." + name, Long.toString(value));
    }

    private static ObjectName pattern(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the servers of one heartbeat add up to. */
    private static final class Totals {
        boolean any;
        long requests;
        long errors;
        long latencySumMicros;
        long latencyMaxMicros;
        boolean inflightKnown;
        long inflight;
        boolean connectionsKnown;
        long connections;
    }
}
