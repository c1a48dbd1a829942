package io.jcluster.cli.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the preload library is, whether it fits the workers' java, and the environment that loads it. */
class PreloadLibraryTest {
    @TempDir
    Path dir;

    @Test
    void theLibraryGoesFirstInLdPreloadAndTheUsersOwnStay() {
        Path agent = Path.of("/opt/jcluster/lib/worker-runtime.jar");
        Map<String, String> env = new HashMap<>(Map.of("LD_PRELOAD", "/x/a.so /x/b.so:/opt/jcluster/lib/libjcluster-preload.so"));
        PreloadLibrary.environment(env, agent, List.of(8080, 8081));
        assertEquals("/opt/jcluster/lib/libjcluster-preload.so:/x/a.so:/x/b.so", env.get("LD_PRELOAD"));
        assertEquals("8080,8081", env.get("JCLUSTER_PORTS"));

        Map<String, String> none = new HashMap<>();
        PreloadLibrary.environment(none, agent, List.of(9000));
        assertEquals("/opt/jcluster/lib/libjcluster-preload.so", none.get("LD_PRELOAD"));
        assertEquals("9000", none.get("JCLUSTER_PORTS"));
    }

    @Test
    void aMissingLibraryIsTheReasonNoWorkerStarts() throws Exception {
        Path agent = Files.createFile(dir.resolve("worker-runtime.jar"));
        Path java = javaOfThisJvm();
        String why = PreloadLibrary.unavailabilityCause(agent, java);
        assertTrue(why.startsWith("the jcluster distribution lacks " + dir.resolve("libjcluster-preload.so")), why);
        assertTrue(why.contains("apt-get install -y gcc"), why);
        Files.write(dir.resolve("libjcluster-preload.so"), "\u007fELF ... libc.so.6\0 ...".getBytes(StandardCharsets.ISO_8859_1));
        assertNull(PreloadLibrary.unavailabilityCause(agent, java), "this JDK is a glibc one");
    }

    @Test
    void aGlibcLibraryDoesNotFitAMuslJava() throws Exception {
        Path agent = Files.createFile(dir.resolve("worker-runtime.jar"));
        Files.write(dir.resolve("libjcluster-preload.so"), "\u007fELF ... libc.so.6\0 ...".getBytes(StandardCharsets.ISO_8859_1));
        Path musl = elfWithInterpreter(dir.resolve("java-musl"), "/lib/ld-musl-x86_64.so.1");
        assertEquals("/lib/ld-musl-x86_64.so.1", PreloadLibrary.interpreter(musl));
        String why = PreloadLibrary.unavailabilityCause(agent, musl);
        assertTrue(why.contains("is a musl build (its loader is /lib/ld-musl-x86_64.so.1)") && why.contains("built for glibc"), why);

        Path glibc = elfWithInterpreter(dir.resolve("java-glibc"), "/lib64/ld-linux-x86-64.so.2");
        assertNull(PreloadLibrary.unavailabilityCause(agent, glibc));
        String ours = PreloadLibrary.interpreter(javaOfThisJvm());
        assertTrue(ours != null && ours.startsWith("/lib") && !ours.contains("musl"), "this machine's JDK (glibc): " + ours);
        assertNull(PreloadLibrary.interpreter(agent), "not an ELF");
    }

    private static Path javaOfThisJvm() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** A minimal 64-bit little-endian ELF header with one PT_INTERP program header. */
    private static Path elfWithInterpreter(Path file, String interpreter) throws Exception {
        byte[] name = (interpreter + "\0").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(64 + 56 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putLong(0x20, 64);               // e_phoff
        b.putShort(0x36, (short) 56);      // e_phentsize
        b.putShort(0x38, (short) 1);       // e_phnum
        b.putInt(64, 3);                   // p_type PT_INTERP
        b.putLong(64 + 0x08, 64 + 56);     // p_offset
        b.putLong(64 + 0x20, name.length); // p_filesz
        b.position(64 + 56);
        b.put(name);
        Files.write(file, b.array());
        return file;
    }
}
