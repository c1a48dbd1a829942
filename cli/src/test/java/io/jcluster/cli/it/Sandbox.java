package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One isolated jcluster for a black-box test: a temporary {@code JCLUSTER_HOME}, the packaged
 * {@code bin/jcluster}, free ports, and a sweep at the end that stops, then kills by pid, every
 * process that belongs to this home. {@link #leftovers()} is also how tests assert that nothing is left.
 */
final class Sandbox implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("jcluster.dist", "target/jcluster"));
    static final Path HELLO_JAR = Path.of(System.getProperty("jcluster.helloJar", "../examples/hello-netty/target/hello-netty.jar"));
    static final Path FAKE_JAR = Path.of(System.getProperty("jcluster.fakeJar", "target/jcluster-cli-0.1.0-SNAPSHOT-fake-app.jar"));
    static final ObjectMapper JSON = new ObjectMapper();

    final Path home;
    final Path dir;

    Sandbox() throws IOException {
        dir = Files.createTempDirectory("jcluster-it-");
        home = dir.resolve("home");
    }

    /** The result of one CLI run. */
    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** Runs {@code jcluster args...} in {@link #dir} and waits for it (at most 3 minutes). */
    Result cli(String... args) throws IOException, InterruptedException {
        return cli(DIST, args);
    }

    /** Runs {@code jcluster args...} of the distribution in {@code dist}, as {@link #cli(String...)}. */
    Result cli(Path dist, String... args) throws IOException, InterruptedException {
        return cli(dist, Map.of(), args);
    }

    /** Runs {@code jcluster args...} with {@code extraEnv} on top of the sandbox's environment, as {@link #cli(String...)}. */
    Result cli(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        return cli(DIST, extraEnv, args);
    }

    private Result cli(Path dist, Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(dist.resolve("bin/jcluster").toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(extraEnv);
        pb.environment().put("JCLUSTER_HOME", home.toString());
        pb.environment().put("NO_COLOR", "1");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            StringBuilder logs = new StringBuilder();
            try (Stream<Path> apps = Files.list(home.resolve("logs"))) {
                apps.sorted().forEach(app -> logs.append(tail(app.resolve("primary.log"), 60)));
            } catch (IOException e) {
                logs.append("(no logs: ").append(e.getMessage()).append(")\n");
            }
            fail("jcluster " + String.join(" ", args) + " did not finish within 3 minutes; it said:\n" + Files.readString(out)
                    + Files.readString(err) + logs);
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /**
     * Starts {@code jcluster args...} in {@link #dir} without waiting for it, stdout and stderr to
     * {@code output}. The caller stops it (by pid) when done.
     */
    Process background(Path output, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(DIST.resolve("bin/jcluster").toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        return background(output, cmd);
    }

    /** Starts {@code command} in {@link #dir} with this sandbox's environment, without waiting for it. */
    Process background(Path output, List<String> command) throws IOException {
        return background(output, command, Map.of());
    }

    /** As {@link #background(Path, List)}, with {@code extraEnv} on top of the sandbox's environment. */
    Process background(Path output, List<String> command, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(extraEnv);
        pb.environment().put("JCLUSTER_HOME", home.toString());
        pb.environment().put("NO_COLOR", "1");
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        return pb.start();
    }

    /** Starts hello-netty as {@code name} with two workers on {@code port}, and checks that it started. */
    void startHello(String name, int port) throws IOException, InterruptedException {
        Result r = cli("start", HELLO_JAR.toAbsolutePath().toString(), "-i", "2", "-p", Integer.toString(port), "--name", name);
        assertTrue(r.code() == 0, () -> "start failed: " + r.all() + "\n" + explain(name));
    }

    /** {@code ls --json} of one app. */
    JsonNode app(String name) throws IOException, InterruptedException {
        Result r = cli("ls", "--json", name);
        assertTrue(r.code() == 0, "ls failed: " + r.all());
        JsonNode apps = JSON.readTree(r.out());
        return apps.get(0);
    }

    JsonNode worker(String app, int slot) throws IOException, InterruptedException {
        return app(app).get("workers").get(slot);
    }

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** One HTTP GET on a new connection; returns the body. */
    static String get(int port, Duration timeout) throws IOException {
        return get(port, "/", timeout);
    }

    /** One HTTP GET of {@code path} on a new connection; returns the body of a 200, else an IOException. */
    static String get(int port, String path, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.1 200")) throw new IOException("not a 200: " + response);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    /** Whether {@code unshare --pid --fork --mount-proc} works here (util-linux, root or user namespaces). */
    static boolean canUnshare() {
        try {
            Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The pid of {@code pid} inside its own PID namespace (the last NSpid in /proc/pid/status). */
    static String nsPid(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("NSpid:")) {
                String[] parts = l.trim().split("\\s+");
                return parts[parts.length - 1];
            }
        }
        return "?";
    }

    /** Waits until {@code condition} holds, failing with {@code what} after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            Thread.sleep(50);
        }
    }

    /** Whether {@code pid} runs: a zombie (a detached primary that exited, which init has not reaped yet) does not. */
    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(io.jcluster.cli.host.Liveness::running).orElse(false);
    }

    /** Live processes that belong to this sandbox: their environment names its home. */
    List<ProcessHandle> leftovers() {
        String marker = home.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> environ(p.pid()).contains(marker))
                .toList();
    }

    private static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops every app of this home, kills what is left by pid, deletes the directory. */
    @Override
    public void close() throws Exception {
        try {
            if (Files.isDirectory(home.resolve("run"))) cli("stop", "all");
        } finally {
            for (ProcessHandle p : leftovers()) p.destroyForcibly();
            for (ProcessHandle p : leftovers()) p.onExit().get(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The primary's log of {@code app}, whole. */
    String primaryLog(String app) {
        try {
            return Files.readString(home.resolve("logs").resolve(app).resolve("primary.log"));
        } catch (IOException e) {
            return "(no primary log)";
        }
    }

    /**
     * What a test prints when a worker failed it: the last lines of every worker log of {@code app}
     * (each slot's stdout and stderr, the spares'), then primary.log's tail. A worker that exited
     * before it was ready says why in its own lines.
     */
    String explain(String app) {
        Path logs = home.resolve("logs").resolve(app);
        StringBuilder b = new StringBuilder("\n");
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")
                    && !f.getFileName().toString().equals("primary.log")).sorted().toList()) {
                b.append(tail(f, 40));
            }
        } catch (IOException e) {
            b.append("(no worker logs in ").append(logs).append(": ").append(e.getMessage()).append(")\n");
        }
        return b.append(tail(logs.resolve("primary.log"), 80)).toString();
    }

    /** The last {@code n} lines of {@code file}, under a heading that names it. */
    private static String tail(Path file, int n) {
        try {
            List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            List<String> last = lines.subList(Math.max(0, lines.size() - n), lines.size());
            return "--- " + file.getFileName() + " (last " + last.size() + " of " + lines.size() + " lines) ---\n"
                    + String.join("\n", last) + "\n";
        } catch (IOException e) {
            return "--- " + file.getFileName() + ": " + e.getMessage() + " ---\n";
        }
    }

    static Map<String, String> fields(String body) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String part : body.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) m.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return m;
    }

    /** Inodes of the sockets listening on {@code port}, IPv4 and IPv6, from {@code /proc/net/tcp{,6}}. */
    static java.util.Set<Long> listeningInodes(int port) throws IOException {
        java.util.Set<Long> inodes = new java.util.HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String local = f[1];
                if (f[3].equals("0A") && Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16) == port) {
                    inodes.add(Long.parseLong(f[9]));
                }
            }
        }
        return inodes;
    }

    /** Inodes of the sockets process {@code pid} holds, from {@code /proc/<pid>/fd}. */
    static java.util.Set<Long> socketInodes(long pid) throws IOException {
        java.util.Set<Long> inodes = new java.util.HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return inodes;
    }

    /** The text of {@code file}, or "" when it cannot be read (yet). */
    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** The command line of {@code pid}, empty when it is gone. */
    static List<String> cmdline(long pid) {
        try {
            String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
            return raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The children of {@code parent} (pids as the host numbers them), of {@code name} only when given. */
    static List<Long> children(long parent, String name) {
        List<Long> kids = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                String stat = stat(dir);
                if (stat == null) continue;
                int close = stat.lastIndexOf(')');
                String comm = stat.substring(stat.indexOf('(') + 1, close);
                String[] f = stat.substring(close + 2).split(" ");
                if (Long.parseLong(f[1]) == parent && (name == null || name.equals(comm))) kids.add(Long.parseLong(dir.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return kids;
    }

    /** Whether {@code pid} is a zombie: it ended and its parent has not reaped it. */
    static boolean zombie(long pid) {
        String stat = stat(Path.of("/proc", Long.toString(pid)));
        return stat != null && stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    private static String stat(Path procDir) {
        try {
            return Files.readString(procDir.resolve("stat"));
        } catch (IOException e) {
            return null;
        }
    }
}
