package io.jcluster.cli.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * The file a Unix socket was bound to, known by its inode: so that a process deletes or moves only
 * its own socket file, never one another process bound or renamed onto the same path since (a new
 * primary takes {@code control.sock} over by renaming its own socket onto it, see
 * {@code jcluster upgrade}). Not thread-safe.
 */
public final class SocketFile {
    private Path path;
    private final Object key;

    private SocketFile(Path path, Object key) {
        this.path = path;
        this.key = key;
    }

    /** The socket file just bound at {@code path}. */
    public static SocketFile bound(Path path) throws IOException {
        return new SocketFile(path, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
    }

    public Path path() {
        return path;
    }

    /** Whether {@code path} still names this socket. */
    public boolean ours() {
        try {
            return key != null && Objects.equals(key, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Renames the socket onto {@code target}, replacing what is there in one step (rename(2)): a
     * client that connects meanwhile reaches either the old socket or this one, never nothing.
     * Connections already made are not affected.
     */
    public void moveTo(Path target) throws IOException {
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        path = target;
    }

    /** Deletes the file if it is still this socket's. */
    public void deleteIfOurs() {
        if (!ours()) return;
        try {
            Files.deleteIfExists(path);
        } catch (NoSuchFileException ignored) {
            // gone already
        } catch (IOException ignored) {
            // the run directory is removed as a whole afterwards
        }
    }
}
