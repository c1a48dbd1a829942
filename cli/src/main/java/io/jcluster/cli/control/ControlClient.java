package io.jcluster.cli.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.StandardProtocolFamily;

/**
 * The CLI's end of an app's {@code control.sock}: JSON lines over a JDK Unix socket, read and
 * written with {@link RecordJson} (neither netty nor jackson-databind, so that commands start fast).
 * Not thread-safe: one request at a time.
 */
public final class ControlClient implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
    }

    /** Connects to the primary listening on {@code socket}. */
    public static ControlClient connect(Path socket) throws IOException {
        if (!Files.exists(socket)) throw new AppNotRunningException("no control socket at " + socket);
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(ch);
        } catch (IOException e) {
            ch.close();
            throw new AppNotRunningException("nothing answers on " + socket + " (" + e.getMessage() + ")");
        }
    }

    /** Sends {@code request} and waits for its reply. */
    public ControlReply call(ControlRequest request) throws IOException {
        return call(request, p -> { });
    }

    /** Sends {@code request}, passes each progress line to {@code progress}, and returns the final reply. */
    public ControlReply call(ControlRequest request, java.util.function.Consumer<String> progress) throws IOException {
        send(request);
        while (true) {
            ControlReply r = next();
            if (r.progress() == null) return r;
            progress.accept(r.progress());
        }
    }

    /** Sends {@code request} without waiting; {@link #next()} reads the replies. */
    public void send(ControlRequest request) throws IOException {
        byte[] line = (RecordJson.write(request) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) channel.write(buf);
    }

    /** Waits for the next reply: the answer to a request, a progress line, or the next line of a stream. */
    public ControlReply next() throws IOException {
        String reply = in.readLine();
        if (reply == null) throw new IOException("the primary closed the connection without answering");
        try {
            return RecordJson.read(reply, ControlReply.class);
        } catch (JsonProcessingException e) {
            throw new IOException("the primary's reply is not one this jcluster reads (" + e.getOriginalMessage() + ")", e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
