package io.jcluster.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The figures read from fake server MBeans, registered under the names and with the attribute
 * names and types Tomcat (its modeler: lower-case attribute names) and Jetty's jetty-jmx use, in an
 * MBean server of the test's own.
 */
class ServerFiguresTest {

    private MBeanServer server;
    private ServerFigures figures;

    @BeforeEach
    void server() {
        server = MBeanServerFactory.newMBeanServer();
        figures = new ServerFigures(() -> List.of(server));
    }

    @Test
    void noKnownServerNoFields() throws Exception {
        register("Tomcat:type=Engine", Map.of("name", "Tomcat"));
        assertEquals(Map.of(), read());
    }

    @Test
    void tomcatRequestProcessorsAndThreadPoolsAddUp() throws Exception {
        // Spring Boot's embedded Tomcat, two connectors (say the app port and a management port).
        register("Tomcat:type=GlobalRequestProcessor,name=\"http-nio-8080\"", tomcatRequests(120, 3, 480L, 35L));
        register("Tomcat:type=GlobalRequestProcessor,name=\"http-nio-8081\"", tomcatRequests(5, 1, 20L, 9L));
        register("Tomcat:type=ThreadPool,name=\"http-nio-8080\"", Map.of("currentThreadsBusy", 2, "connectionCount", 7L));
        register("Tomcat:type=ThreadPool,name=\"http-nio-8081\"", Map.of("currentThreadsBusy", 0, "connectionCount", 1L));
        // Same type, another key: Tomcat's socket properties; not a pool to count twice.
        register("Tomcat:type=ThreadPool,name=\"http-nio-8080\",subType=SocketProperties", Map.of("connectionCount", 100L));

        Map<String, String> f = read();
        assertEquals("125", f.get("app.http.requests"));
        assertEquals("4", f.get("app.http.errors"));
        assertEquals("500000", f.get("app.http.latency.sum"), "ms become µs");
        assertEquals("35000", f.get("app.http.latency.maxSinceStart"));
        assertEquals("2", f.get("app.http.inflight"));
        assertEquals("6", f.get("app.connections"), "each connector's count less its acceptor's (7 - 1, 1 - 1)");
        assertFalse(f.keySet().stream().anyMatch(k -> k.startsWith("app.http.latency.b")), "no buckets: " + f);
        assertFalse(f.containsKey("app.http.latency.max"), "maxTime is since start, not the interval's: " + f);
    }

    @Test
    void standaloneTomcatWithoutThreadPoolStillGivesRequests() throws Exception {
        register("Catalina:type=GlobalRequestProcessor,name=\"http-nio-8080\"", tomcatRequests(9, 0, 18L, 4L));

        Map<String, String> f = read();
        assertEquals("9", f.get("app.http.requests"));
        assertEquals("18000", f.get("app.http.latency.sum"));
        assertFalse(f.containsKey("app.http.inflight"), f::toString);
        assertFalse(f.containsKey("app.connections"), f::toString);
    }

    @Test
    void aBeanWithoutTheAttributesIsSkipped() throws Exception {
        register("Other:type=GlobalRequestProcessor,name=x", Map.of("requestCount", "not a number"));
        register("Tomcat:type=GlobalRequestProcessor,name=\"http-nio-8080\"", tomcatRequests(1, 0, 2L, 2L));
        assertEquals("1", read().get("app.http.requests"));
    }

    @Test
    void figuresFollowTheBeansAsTheyChange() throws Exception {
        Map<String, Object> values = new ConcurrentHashMap<>(tomcatRequests(0, 0, 0L, 0L));
        register("Tomcat:type=GlobalRequestProcessor,name=\"http-nio-8080\"", values);
        assertEquals("0", read().get("app.http.requests"));
        values.put("requestCount", 40);
        values.put("processingTime", 100L);
        Map<String, String> f = read();
        assertEquals("40", f.get("app.http.requests"));
        assertEquals("100000", f.get("app.http.latency.sum"));
        server.unregisterMBean(new ObjectName("Tomcat:type=GlobalRequestProcessor,name=\"http-nio-8080\""));
        assertEquals(Map.of(), read(), "the server stopped: no figures");
    }

    @Test
    void jettyStatisticsHandler() throws Exception {
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("requestTotal", 30);
        stats.put("requestsActive", 3);
        stats.put("requestTimeTotal", 9_000_000L);
        stats.put("requestTimeMax", 2_500_000L);
        stats.put("responses4xx", 2);
        stats.put("responses5xx", 1);
        register("org.eclipse.jetty.server.handler:type=statisticshandler,id=0", stats);

        Map<String, String> f = read();
        assertEquals("30", f.get("app.http.requests"));
        assertEquals("3", f.get("app.http.errors"));
        assertEquals("9000", f.get("app.http.latency.sum"), "ns become µs");
        assertEquals("2500", f.get("app.http.latency.maxSinceStart"));
        assertEquals("3", f.get("app.http.inflight"));
        assertFalse(f.containsKey("app.connections"), f::toString);
    }

    @Test
    void thePlatformReaderFindsTheTomcatBeansOfThePlatformServer() throws Exception {
        ObjectName name = new ObjectName("Tomcat:type=GlobalRequestProcessor,name=\"figures-test\"");
        MBeanServer platform = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        platform.registerMBean(MapBean.readOnly(tomcatRequests(6, 0, 12L, 3L)), name);
        try {
            Map<String, String> f = new LinkedHashMap<>();
            ServerFigures.platform().putFields(f);
            assertTrue(Long.parseLong(f.get("app.http.requests")) >= 6, f::toString);
        } finally {
            platform.unregisterMBean(name);
        }
    }

    private Map<String, String> read() {
        Map<String, String> f = new LinkedHashMap<>();
        figures.putFields(f);
        return f;
    }

    private static Map<String, Object> tomcatRequests(int requests, int errors, long processingMillis, long maxMillis) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("requestCount", requests);
        values.put("errorCount", errors);
        values.put("processingTime", processingMillis);
        values.put("maxTime", maxMillis);
        values.put("bytesSent", 1024L);
        return values;
    }

    private void register(String name, Map<String, Object> attributes) throws Exception {
        server.registerMBean(MapBean.readOnly(attributes), new ObjectName(name));
    }
}
