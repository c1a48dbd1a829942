package io.jcluster.examples.hello;

import io.jcluster.runtime.JCluster;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.netty.SlotListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A netty HTTP/1.1 server on epoll that says which worker answered:
 * {@code hello from jcluster slot=<n> pid=<pid> gen=<generation>}.
 *
 * <p>Under jcluster it serves the listener the primary hands over ({@link SlotListener}), reports
 * ready once it is serving, and drains on reload. On its own it binds the port like any server.
 * Port: {@code JCLUSTER_PORT}, else the first argument, else {@code PORT}, else 8080.
 */
public final class HelloNetty implements AutoCloseable {

    static final int DEFAULT_PORT = 8080;
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel server;

    private HelloNetty(EventLoopGroup boss, EventLoopGroup workers, Channel server) {
        this.boss = boss;
        this.workers = workers;
        this.server = server;
    }

    public static void main(String[] args) throws InterruptedException {
        int port;
        try {
            port = port(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("hello-netty: " + e.getMessage());
            System.exit(2);
            return;
        }
        String failSlot = System.getenv("HELLO_FAIL_SLOT");
        if (failSlot != null && failSlot.equals(Integer.toString(JCluster.slot()))) {
            // A knob for trying rollbacks: this slot's worker fails at start, the others serve.
            throw new IllegalStateException("hello-netty: HELLO_FAIL_SLOT=" + failSlot + " says slot " + failSlot + " fails at start");
        }
        HelloNetty hello = start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(hello::close, "hello-netty-shutdown"));
        JCluster.ready();
        System.out.printf("hello-netty serving %s (slot=%d gen=%d pid=%d)%n", hello.server.localAddress(),
                JCluster.slot(), JCluster.generation(), ProcessHandle.current().pid());
        // Not the server channel's close future: a drain closes that while requests still finish.
        hello.workers.terminationFuture().sync();
    }

    /** Starts serving: on the handed-off listener under jcluster, else on {@code port}. */
    static HelloNetty start(int port) throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
        try {
            HelloHandler handler = new HelloHandler(() -> String.format("hello from jcluster slot=%d pid=%d gen=%d%n",
                    JCluster.slot(), ProcessHandle.current().pid(), JCluster.generation()));
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(
                                    new HttpServerCodec(),
                                    new HttpServerExpectContinueHandler(),
                                    new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    handler);
                        }
                    });
            Channel server = SlotListener.serve(bootstrap, port).sync().channel();
            return new HelloNetty(boss, workers, server);
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** The port being served. */
    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Stops accepting, lets open exchanges finish briefly, and stops the event loops. */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1000, TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS);
        boss.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** {@code JCLUSTER_PORT}, else the first argument, else {@code PORT}, else 8080. */
    static int port(String[] args, Map<String, String> env) {
        String value = env.get(WorkerEnv.PORT);
        String from = WorkerEnv.PORT;
        if (blank(value) && args.length > 0) {
            value = args[0];
            from = "the first argument";
        }
        if (blank(value)) {
            value = env.get("PORT");
            from = "PORT";
        }
        if (blank(value)) {
            return DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("bad port '" + value + "' from " + from + ": expected 0..65535");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
