package io.jcluster.cli.host;

import io.jcluster.runtime.WorkerEnv;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The preload library ({@code lib/libjcluster-preload.so}, source in worker-runtime's
 * {@code src/main/c}) that every worker of a handoff app loads: where it is, whether it can load
 * into the workers' JVM and why not, and the environment that loads it. See {@code docs/preload.md}.
 */
public final class PreloadLibrary {
    /** The library's file name, beside worker-runtime's jar in the distribution's {@code lib/}. */
    public static final String FILE = "libjcluster-preload.so";
    private static final String LD_PRELOAD = "LD_PRELOAD";
    private static final int PT_INTERP = 3;

    private PreloadLibrary() {
    }

    /** The library beside {@code runtimeJar}, worker-runtime's main jar (the distribution's {@code lib/}). */
    public static Path path(Path runtimeJar) {
        return runtimeJar.resolveSibling(FILE);
    }

    /**
     * Why no worker of a handoff app can start with {@code java}, or null when the library is in place
     * and fits: missing or unreadable, or built for glibc while {@code java} is a musl build (Alpine),
     * whose loader cannot load it.
     */
    public static String unavailabilityCause(Path runtimeJar, Path java) {
        Path lib = path(runtimeJar);
        if (!Files.isRegularFile(lib) || !Files.isReadable(lib)) {
            return "the jcluster distribution lacks " + lib + " (the preload library every worker of a handoff app loads);"
                    + " reinstall jcluster, or build it with a C compiler (apt-get install -y gcc)";
        }
        String interpreter = interpreter(java);
        if (interpreter != null && interpreter.contains("musl") && needsGlibc(lib)) {
            return java + " is a musl build (its loader is " + interpreter + "), and " + lib + " is built for glibc:"
                    + " build the library on this system, use a glibc JDK, or run the app with listen = \"self\""
                    + " (see docs/preload.md, musl)";
        }
        return null;
    }

    /**
     * Puts the library first in a worker's {@code LD_PRELOAD} (keeping what the user's environment
     * preloads) and names the app's ports in {@code JCLUSTER_PORTS}.
     */
    public static void environment(Map<String, String> env, Path runtimeJar, List<Integer> ports) {
        String lib = path(runtimeJar).toString();
        StringJoiner preload = new StringJoiner(":");
        preload.add(lib);
        String theirs = env.get(LD_PRELOAD);
        if (theirs != null) {
            for (String entry : theirs.split("[: ]")) {
                if (!entry.isEmpty() && !entry.equals(lib)) preload.add(entry);
            }
        }
        env.put(LD_PRELOAD, preload.toString());
        StringJoiner list = new StringJoiner(",");
        for (int port : ports) list.add(Integer.toString(port));
        env.put(WorkerEnv.PORTS, list.toString());
    }

    /** The ELF program interpreter of an executable (its dynamic loader), or null when it has none or is not a 64-bit ELF. */
    static String interpreter(Path executable) {
        try (RandomAccessFile f = new RandomAccessFile(executable.toRealPath().toFile(), "r")) {
            byte[] head = new byte[64];
            f.readFully(head);
            if (head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F' || head[4] != 2) return null;
            ByteBuffer h = ByteBuffer.wrap(head).order(head[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            long phoff = h.getLong(0x20);
            int phentsize = Short.toUnsignedInt(h.getShort(0x36));
            int phnum = Short.toUnsignedInt(h.getShort(0x38));
            for (int i = 0; i < phnum && phentsize >= 56; i++) {
                byte[] ph = new byte[56];
                f.seek(phoff + (long) i * phentsize);
                f.readFully(ph);
                ByteBuffer p = ByteBuffer.wrap(ph).order(h.order());
                if (p.getInt(0) != PT_INTERP) continue;
                long offset = p.getLong(0x08);
                int size = (int) Math.min(p.getLong(0x20), 4096);
                byte[] name = new byte[size];
                f.seek(offset);
                f.readFully(name);
                int end = 0;
                while (end < name.length && name[end] != 0) end++;
                return new String(name, 0, end, StandardCharsets.US_ASCII);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the library needs glibc's {@code libc.so.6} (the name is in its dynamic string table). */
    private static boolean needsGlibc(Path lib) {
        try {
            byte[] bytes = Files.readAllBytes(lib);
            byte[] needle = "libc.so.6\0".getBytes(StandardCharsets.US_ASCII);
            outer:
            for (int i = 0; i + needle.length <= bytes.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (bytes[i + j] != needle[j]) continue outer;
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
