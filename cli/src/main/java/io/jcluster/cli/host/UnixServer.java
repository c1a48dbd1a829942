package io.jcluster.cli.host;

import io.jcluster.cli.config.Home;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A netty server on a Unix socket that only its owner may use (0600), known by its file: the
 * primary's control socket and its worker socket. It can be renamed into place, and on close it
 * deletes its file only while that is still its own (see {@link SocketFile}).
 */
public final class UnixServer implements AutoCloseable {
    private final Channel channel;
    private final SocketFile file;

    private UnixServer(Channel channel, SocketFile file) {
        this.channel = channel;
        this.file = file;
    }

    /** Listens on {@code path} (whatever was there goes); {@code pipeline} sets up each connection's handlers. */
    public static UnixServer bind(EventLoopGroup group, Path path, Consumer<DomainSocketChannel> pipeline) throws IOException {
        Files.deleteIfExists(path);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                    @Override
                    protected void initChannel(DomainSocketChannel ch) {
                        pipeline.accept(ch);
                    }
                });
        try {
            Channel server = b.bind(new DomainSocketAddress(path.toFile())).sync().channel();
            Files.setPosixFilePermissions(path, Home.OWNER_RW);
            return new UnixServer(server, SocketFile.bound(path));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + path, e);
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    /** Where clients connect now. */
    public Path path() {
        return file.path();
    }

    /** Renames the socket onto {@code target} in one step; connections made before are not affected. */
    public void moveTo(Path target) throws IOException {
        file.moveTo(target);
    }

    /** Stops listening, and deletes the socket file if it is still this server's. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        file.deleteIfOurs();
    }
}
