package io.jcluster.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * A draining worker turns keep-alive off in the Tomcat protocol handlers it finds, registered as
 * Tomcat's modeler registers them (lower-case, writable attribute names), and touches nothing else.
 */
class ServerDrainTest {

    @Test
    void everyTomcatProtocolHandlerClosesItsConnectionsAfterTheirNextResponse() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        Map<String, Object> app = new HashMap<>(Map.of("maxKeepAliveRequests", 100, "port", 8443));
        Map<String, Object> management = new HashMap<>(Map.of("maxKeepAliveRequests", -1, "port", 8081));
        Map<String, Object> other = new HashMap<>(Map.of("maxKeepAliveRequests", "not a number"));
        server.registerMBean(MapBean.writable(app), new ObjectName("Tomcat:type=ProtocolHandler,port=8443"));
        server.registerMBean(MapBean.writable(management), new ObjectName("Tomcat:type=ProtocolHandler,port=8081"));
        server.registerMBean(MapBean.writable(other), new ObjectName("Other:type=ProtocolHandler,port=1"));

        List<String> done = new ServerDrain(() -> List.of(server)).closeKeepAlive();

        assertEquals(1, app.get("maxKeepAliveRequests"));
        assertEquals(1, management.get("maxKeepAliveRequests"), "unlimited keep-alive (-1) ends too");
        assertEquals("not a number", other.get("maxKeepAliveRequests"), "what is not Tomcat's stays as it was");
        assertEquals(2, done.size(), done.toString());
        assertTrue(done.get(0).contains("maxKeepAliveRequests") && done.get(0).contains("-> 1"), done.toString());
        assertEquals(List.of(), new ServerDrain(() -> List.of(server)).closeKeepAlive(), "a second drain has nothing left to do");
    }

    @Test
    void noServerNothingToDo() {
        assertEquals(List.of(), new ServerDrain(() -> List.of(MBeanServerFactory.newMBeanServer())).closeKeepAlive());
    }
}
