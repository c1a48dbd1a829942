package io.jcluster.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
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
        server.registerMBean(new Bean(app), new ObjectName("Tomcat:type=ProtocolHandler,port=8443"));
        server.registerMBean(new Bean(management), new ObjectName("Tomcat:type=ProtocolHandler,port=8081"));
        server.registerMBean(new Bean(other), new ObjectName("Other:type=ProtocolHandler,port=1"));

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

    /** A writable MBean over a map, attribute names as given. */
    private static final class Bean implements DynamicMBean {
        private final Map<String, Object> attributes;

        Bean(Map<String, Object> attributes) {
            this.attributes = attributes;
        }

        @Override
        public Object getAttribute(String name) throws AttributeNotFoundException {
            if (!attributes.containsKey(name)) throw new AttributeNotFoundException(name);
            return attributes.get(name);
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            if (!attributes.containsKey(attribute.getName())) throw new AttributeNotFoundException(attribute.getName());
            attributes.put(attribute.getName(), attribute.getValue());
        }

        @Override
        public AttributeList getAttributes(String[] names) {
            return new AttributeList();
        }

        @Override
        public AttributeList setAttributes(AttributeList list) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String action, Object[] params, String[] signature) {
            throw new UnsupportedOperationException(action);
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            MBeanAttributeInfo[] infos = attributes.entrySet().stream()
                    .map(e -> new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(), e.getKey(), true, true, false))
                    .toArray(MBeanAttributeInfo[]::new);
            return new MBeanInfo(Bean.class.getName(), "fake protocol handler", infos, null, null, null);
        }
    }
}
