package io.jcluster.fake;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The app of the pod test ({@code pod} mode of {@link FakeApp}): the JDK's HTTP server on {@code PORT},
 * bound as a stock app binds it (the preload library adopts it), linking nothing of jcluster.
 * <ul>
 *   <li>{@code POD_GATE}: a directory; the worker of slot N waits for a file named N there before it
 *       binds, so a test decides when each slot becomes ready (spares and workers without the
 *       variable do not wait);</li>
 *   <li>{@code GET /}: {@code pod slot=<n> pid=<pid> maxHeap=<Runtime.maxMemory()> cpus=<availableProcessors>};</li>
 *   <li>{@code GET /slow}: answers after 3 s;</li>
 *   <li>{@code GET /heap}: fills its heap until an {@code OutOfMemoryError};</li>
 *   <li>{@code GET /native}: takes memory outside its heap, 32 MiB at a time, every page touched,
 *       until the kernel kills it;</li>
 *   <li>{@code GET /orphans}: starts 5 {@code sh -c 'sleep 2 & exit 0'}: each shell exits at once (and is
 *       reaped by this JVM), leaving its {@code sleep} an orphan that the namespace's init inherits
 *       and must reap when it exits.</li>
 * </ul>
 */
public final class PodApp {
    /** How many orphans {@code GET /orphans} leaves. */
    public static final int ORPHANS = 5;

    private static final List<byte[]> HOARD = new ArrayList<>();

    private PodApp() {}

    static void run() throws Exception {
        String gate = System.getenv("POD_GATE");
        String slot = System.getenv("JCLUSTER_SLOT");
        if (gate != null && slot != null) {
            Path open = Path.of(gate, slot);
            System.out.println("pod: slot " + slot + " waits for " + open);
            while (!Files.exists(open)) Thread.sleep(50);
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", System.getenv().getOrDefault("JCLUSTER_PORT", "8080")));
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
        server.setExecutor(Executors.newFixedThreadPool(8));
        String who = "pod slot=" + slot + " pid=" + ProcessHandle.current().pid();
        server.createContext("/", exchange -> answer(exchange, who + " maxHeap=" + Runtime.getRuntime().maxMemory()
                + " cpus=" + Runtime.getRuntime().availableProcessors() + "\n"));
        server.createContext("/slow", exchange -> {
            sleep(3000);
            answer(exchange, "slow done\n");
        });
        server.createContext("/heap", exchange -> {
            System.out.println("pod: filling the heap (max " + Runtime.getRuntime().maxMemory() + " bytes)");
            while (true) HOARD.add(new byte[1 << 20]);
        });
        server.createContext("/native", exchange -> {
            System.out.println("pod: taking memory beside the heap until the kernel says no");
            takeNativeMemory();
        });
        server.createContext("/orphans", exchange -> {
            StringBuilder pids = new StringBuilder();
            for (int i = 0; i < ORPHANS; i++) {
                Process sh = new ProcessBuilder("sh", "-c", "sleep 2 </dev/null >/dev/null 2>&1 & echo $!; exit 0").redirectErrorStream(true).start();
                pids.append(new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim()).append(' ');
                try {
                    sh.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer(exchange, "orphans " + pids.toString().trim() + "\n");
        });
        server.start();
        System.out.println("pod: listening on " + port + " pid " + ProcessHandle.current().pid());
        // the preload library has drained the connections by SIGTERM: stop(0), as JDK 17 waits out any delay given
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0), "pod-stop"));
    }

    private static void takeNativeMemory() {
        try {
            Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
            long chunk = 32L << 20;
            for (long taken = 0; ; taken += chunk) {
                long address = unsafe.allocateMemory(chunk);
                unsafe.setMemory(address, chunk, (byte) 1);
                if (taken % (256L << 20) == 0) System.out.println("pod: " + (taken >> 20) + " MiB beside the heap");
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
