package io.jcluster.cli.host;

import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whether the preload library really adopts a bind on this host, the way {@code doctor} shows it: a
 * tiny JVM binds a port that this probe already holds (without SO_REUSEPORT, so a real bind would
 * fail with "address in use"), while the probe stands in for the primary on a worker socket of its
 * own and hands over its socket. The JVM's bind succeeds only if the library asked for the socket
 * and put it in place of the JVM's own.
 */
public final class PreloadProbe {
    private static final String PROBE = """
            public class Probe {
                public static void main(String[] a) throws Exception {
                    try (var s = new java.net.ServerSocket()) {
                        s.bind(new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("JCLUSTER_PORT"))));
                        System.out.println("bound " + s.getLocalPort());
                    }
                }
            }
            """;

    private PreloadProbe() {}

    /** Null when the library loaded into a JVM started with {@code java} and adopted its bind, else what went wrong. */
    public static String problem(Path java, Path runtimeJar) {
        String unavailable = PreloadLibrary.unavailabilityCause(runtimeJar, java);
        if (unavailable != null) return unavailable;
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Path dir = null;
        Socket held = null;
        try {
            dir = Files.createTempDirectory("jcluster-doctor-");
            held = Socket.newSocketStream();
            held.bind(new InetSocketAddress("127.0.0.1", 0));
            held.listen(16);
            int port = ((InetSocketAddress) held.localAddress()).getPort();
            Path probe = Files.writeString(dir.resolve("Probe.java"), PROBE);
            Path sock = dir.resolve("w.sock");
            Channel server = standIn(group, sock, held, seen);
            try {
                ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", probe.toString())
                        .redirectErrorStream(true);
                PreloadLibrary.environment(pb.environment(), runtimeJar, List.of(port));
                pb.environment().put(WorkerEnv.SOCKET, sock.toString());
                pb.environment().put(WorkerEnv.PORT, Integer.toString(port));
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "the probe JVM did not finish within 60 s";
                }
                if (!seen.containsKey(MessageTypes.BIND)) {
                    return "the library did not ask for the socket: it did not load into " + java + " (output: " + out + ")";
                }
                if (p.exitValue() != 0 || !out.contains("bound " + port)) {
                    return "the probe JVM's bind of port " + port + " failed although the library asked for the socket: " + out;
                }
                return null;
            } finally {
                server.close().awaitUninterruptibly();
            }
        } catch (IOException | RuntimeException e) {
            return "the probe could not run: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            if (held != null) {
                try {
                    held.close();
                } catch (IOException ignored) {
                    // a socket of our own, closing it cannot fail in a way we act on
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            delete(dir);
        }
    }

    /** A primary in miniature: answers {@code bind} with {@code socket}, notes every message type it gets. */
    private static Channel standIn(EventLoopGroup group, Path path, Socket socket, Map<String, Boolean> seen) throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                    @Override
                    protected void initChannel(DomainSocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Wire.MAX_FRAME + 4, 0, 4, 0, 4),
                                new SimpleChannelInboundHandler<ByteBuf>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) throws Exception {
                                        WireMessage m = Wire.decodePayload(ByteBufUtil.getBytes(frame));
                                        seen.put(m.type(), Boolean.TRUE);
                                        if (MessageTypes.BIND.equals(m.type())) {
                                            ctx.writeAndFlush(new FileDescriptor(socket.intValue())).addListener(ChannelFutureListener.CLOSE);
                                        }
                                    }
                                });
                    }
                });
        try {
            return b.bind(new DomainSocketAddress(path.toFile())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + path, e);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: what is left is the system's to clean
        }
    }
}
