package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real clients for the protocol tests, run as the processes they are: wrk (over https), h2load (h2c
 * gRPC calls), and hello-grpc's own load client (grpc-java channels). Each is stopped by pid.
 */
final class LoadTools {
    static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));

    private LoadTools() {}

    static Path example(String name) {
        return Needs.built(EXAMPLES.resolve(name).resolve("target/" + name + ".jar"), name);
    }

    /** A running client process whose output goes to a file. */
    record Running(Process process, Path file) {
        String output() throws IOException {
            return Files.readString(file);
        }
    }

    static Running start(Path dir, String name, List<String> command) throws IOException {
        Path out = dir.resolve(name + ".txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Running(p, out);
    }

    /** wrk -t2 -c{connections} against {@code url} until {@link #stopWrk}, with its 2 s timeout. */
    static Running wrk(Path dir, String url, int connections) throws IOException {
        Path wrk = Needs.executable("/usr/bin/wrk", "wrk");
        return start(dir, "wrk", List.of(wrk.toString(), "-t2", "-c" + connections, "-d600s", "--timeout", "2s", url));
    }

    /** Stops wrk with SIGINT, on which it prints its figures; returns them. */
    static String stopWrk(Running wrk) throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(wrk.process().pid())).start().waitFor();
        if (!wrk.process().waitFor(30, TimeUnit.SECONDS)) wrk.process().destroyForcibly();
        return wrk.output();
    }

    /** wrk's figures: requests, connect/read/write errors, timeouts, non-2xx. */
    static Map<String, Long> wrkFigures(String out) {
        long requests = number(out, "(\\d+) requests in");
        Matcher errors = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        boolean any = errors.find();
        return Map.of("requests", requests,
                "connect", any ? Long.parseLong(errors.group(1)) : 0,
                "read", any ? Long.parseLong(errors.group(2)) : 0,
                "write", any ? Long.parseLong(errors.group(3)) : 0,
                "timeout", any ? Long.parseLong(errors.group(4)) : 0,
                "non2xx", number(out, "Non-2xx or 3xx responses: (\\d+)"));
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** hello-grpc's load client ({@code unary} or {@code stream}), stopped by closing its standard input. */
    static Running grpcLoad(Path dir, String mode, int port, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaOf(), "-cp", example("hello-grpc").toString(),
                "io.jcluster.examples.grpc.HelloGrpcLoad", mode, "127.0.0.1:" + port, "--stdin", "1"));
        cmd.addAll(List.of(options));
        Path out = dir.resolve("grpc-" + mode + ".txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Running(p, out);
    }

    /** Stops the load client and returns its result line's fields. */
    static Map<String, String> stopGrpcLoad(Running load) throws Exception {
        load.process().getOutputStream().close();
        if (!load.process().waitFor(60, TimeUnit.SECONDS)) load.process().destroyForcibly();
        String out = load.output();
        String line = out.lines().filter(l -> l.startsWith("result ")).findFirst().orElse(null);
        assertTrue(line != null, "the gRPC load client printed its result: " + out);
        return Sandbox.fields(line.substring("result ".length()));
    }

    static String javaOf() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * h2load, over and over until stopped: each run opens 4 connections and sends 16 unary gRPC calls
     * on each at once (64 concurrent streams). Each run's connections carry one round of calls:
     * h2load cannot open a new HTTP/2 connection in a run, and counts every call it has not sent yet on
     * a connection that ends (GOAWAY, close) as failed.
     */
    static final class H2load implements AutoCloseable {
        final AtomicLong runs = new AtomicLong();
        final AtomicLong succeeded = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong errored = new AtomicLong();
        final AtomicLong non2xx = new AtomicLong();
        final List<String> bad = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;
        private volatile Process current;

        H2load(Path dir, int port) throws IOException {
            Path h2load = Needs.executable("/usr/bin/h2load", "nghttp2-client");
            Path body = dir.resolve("hello.bin");
            byte[] message = {0x0a, 0x04, 'l', 'o', 'a', 'd'}; // HelloRequest{name="load"}
            byte[] framed = new byte[5 + message.length]; // gRPC's length-prefixed message: not compressed, length 6
            framed[4] = (byte) message.length;
            System.arraycopy(message, 0, framed, 5, message.length);
            Files.write(body, framed);
            List<String> cmd = List.of(h2load.toString(), "-n", "64", "-c", "4", "-m", "16", "-d", body.toString(),
                    "-H", "content-type: application/grpc", "-H", "te: trailers", "http://127.0.0.1:" + port + "/hello.Greeter/SayHello");
            thread = new Thread(() -> {
                while (running) {
                    try {
                        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                        current = p;
                        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        p.waitFor();
                        count(out);
                    } catch (IOException | InterruptedException e) {
                        bad.add(e.toString());
                    }
                }
            }, "h2load-loop");
            thread.setDaemon(true);
            thread.start();
        }

        private void count(String out) {
            Matcher m = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored")
                    .matcher(out);
            Matcher s = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx").matcher(out);
            if (!m.find() || !s.find()) {
                bad.add(out);
                return;
            }
            runs.incrementAndGet();
            succeeded.addAndGet(Long.parseLong(m.group(4)));
            failed.addAndGet(Long.parseLong(m.group(5)));
            errored.addAndGet(Long.parseLong(m.group(6)));
            long other = Long.parseLong(s.group(2)) + Long.parseLong(s.group(3)) + Long.parseLong(s.group(4));
            non2xx.addAndGet(other);
            if (Long.parseLong(m.group(5)) > 0 || other > 0) bad.add(out);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
            Process p = current;
            if (p != null && p.isAlive()) p.destroyForcibly();
        }

        @Override
        public String toString() {
            return "h2load runs=" + runs + " succeeded=" + succeeded + " failed=" + failed + " errored=" + errored + " non2xx=" + non2xx
                    + (bad.isEmpty() ? "" : "\nfirst bad run:\n" + bad.get(0));
        }
    }
}
