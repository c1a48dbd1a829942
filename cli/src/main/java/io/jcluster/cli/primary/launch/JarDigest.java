package io.jcluster.cli.primary.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SHA-256 of a file's content, and the file's identity: device, inode, size, modification and
 * change times. A file whose identity is unchanged has the same content (the kernel moves the change
 * time on every write, and no one can set it back), so a digest is computed again only when the
 * identity moved; two files of the same content have the same digest whatever their times.
 */
final class JarDigest {
    private static final Map<Path, Known> KNOWN = new ConcurrentHashMap<>();

    private record Known(String identity, String digest) {}

    private JarDigest() {}

    /** {@code file}'s identity now, or null when it cannot be read. Cheap: one stat. */
    static String identity(Path file) {
        try {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
            return a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":" + a.get("lastModifiedTime") + ":" + a.get("ctime");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The content's digest (hex), computed again only when {@code file}'s identity changed. Blocking. */
    static String of(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        String before = identity(abs);
        Known k = KNOWN.get(abs);
        if (before != null && k != null && k.identity().equals(before)) return k.digest();
        String digest = sha256(abs);
        if (before != null && before.equals(identity(abs))) KNOWN.put(abs, new Known(before, digest));
        return digest;
    }

    /** The SHA-256 of {@code file}'s bytes, in hex. */
    static String sha256(Path file) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
