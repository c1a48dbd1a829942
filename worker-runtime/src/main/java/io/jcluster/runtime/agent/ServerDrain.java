package io.jcluster.runtime.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * What a draining worker asks of the server inside it, through the MBeans it registers itself, for the
 * connections the preload library cannot read: over TLS the library sees only ciphertext, so it
 * cannot add {@code Connection: close} to a response, but the server can.
 *
 * <ul>
 *   <li><b>Tomcat</b> (Spring Boot's default server, whose MBeans jcluster has Spring Boot register):
 *       {@code maxKeepAliveRequests = 1} on every {@code <domain>:type=ProtocolHandler,*}. Tomcat reads it
 *       for each request, so the next response on every kept-alive HTTP/1.1 connection, TLS or not,
 *       says {@code Connection: close}, and the client opens its next connection on the port, where the
 *       slot's next worker accepts it. Unlike Tomcat's own graceful shutdown (pause), which answers a
 *       request that comes on a kept-alive connection with 503 and closes the others after their
 *       response without telling the client, nothing fails.</li>
 * </ul>
 *
 * <p>Servers it does not know are left to the library and to their own graceful shutdown. JDK only;
 * never throws.
 */
final class ServerDrain {

    private static final ObjectName TOMCAT_PROTOCOLS = pattern("*:type=ProtocolHandler,*");

    private final Supplier<List<MBeanServer>> servers;

    ServerDrain(Supplier<List<MBeanServer>> servers) {
        this.servers = servers;
    }

    /** The platform MBean server and any other the app created (Tomcat registers in the first one it finds). */
    static ServerDrain platform() {
        return new ServerDrain(ServerFigures::mbeanServers);
    }

    /** Ends keep-alive in the servers it knows; returns what it did, one line each (empty: nothing). */
    List<String> closeKeepAlive() {
        List<String> done = new ArrayList<>();
        for (MBeanServer server : servers.get()) {
            for (ObjectName name : server.queryNames(TOMCAT_PROTOCOLS, null)) {
                try {
                    Object before = server.getAttribute(name, "maxKeepAliveRequests");
                    if (!(before instanceof Integer) || (Integer) before == 1) continue;
                    server.setAttribute(name, new Attribute("maxKeepAliveRequests", 1));
                    done.add(name + ": maxKeepAliveRequests " + before + " -> 1 (each connection closes after its next response)");
                } catch (JMException | RuntimeException e) {
                    // not a Tomcat protocol handler, or it went away: nothing to do for it
                }
            }
        }
        return done;
    }

    private static ObjectName pattern(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
