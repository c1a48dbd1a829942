package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code jcluster dump}: threads, heap and a short flight recording of a real worker, each file in {@code logs/<app>/dumps/}. */
@Timeout(180)
class DumpIT {
    @Test
    void threadsHeapAndJfrLandInTheLogsDirectory() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox()) {
            int port = Sandbox.freePort();
            Sandbox.Result start = sb.cli("start", Sandbox.HELLO_JAR.toAbsolutePath().toString(), "-i", "1", "-p", Integer.toString(port),
                    "--name", "hello");
            assertEquals(0, start.code(), () -> start.all() + sb.explain("hello"));
            long pid = sb.worker("hello", 0).get("pid").asLong();
            Path logs = sb.home.resolve("logs/hello/dumps");

            Sandbox.Result threads = sb.cli("dump", "hello", "--slot", "0", "threads");
            assertEquals(0, threads.code(), threads.all());
            Path file = Path.of(threads.out().strip().substring(threads.out().strip().lastIndexOf(' ') + 1));
            assertEquals(logs, file.getParent(), threads.out());
            assertTrue(file.getFileName().toString().startsWith("dump-0-" + pid + "-"), file.toString());
            assertTrue(Files.readString(file).contains("Full thread dump"), "a thread dump");

            Sandbox.Result heap = sb.cli("dump", "hello", "--slot", "0", "heap");
            assertEquals(0, heap.code(), heap.all());
            Path hprof = Path.of(heap.out().strip().substring(heap.out().strip().lastIndexOf(' ') + 1));
            assertTrue(hprof.toString().endsWith(".hprof") && Files.size(hprof) > 1_000_000, hprof + " " + heap.out());

            Sandbox.Result jfr = sb.cli("dump", "hello", "--slot", "0", "jfr", "--duration", "1s");
            assertEquals(0, jfr.code(), jfr.all());
            Path recording = Path.of(jfr.out().strip().substring(jfr.out().strip().lastIndexOf(' ') + 1));
            await("the recording written", Duration.ofSeconds(30), () -> Files.isRegularFile(recording) && size(recording) > 0);

            Sandbox.Result noSlot = sb.cli("dump", "hello", "--slot", "5", "threads");
            assertEquals(2, noSlot.code(), noSlot.all());
            assertTrue(noSlot.err().contains("hello has no slot 5 (slots 0 to 0)"), noSlot.err());
            Sandbox.Result badKind = sb.cli("dump", "hello", "--slot", "0", "core");
            assertEquals(2, badKind.code(), badKind.all());
            assertEquals(0, sb.cli("flush", "hello").code());
            assertTrue(Files.readString(file).contains("Full thread dump"), "flush leaves dumps alone");
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
