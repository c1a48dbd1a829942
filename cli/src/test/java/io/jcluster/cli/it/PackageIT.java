package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.cli.Main;
import io.jcluster.cli.Needs;
import io.jcluster.cli.manpages.ManPages;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The Debian package the build made, installed on this machine as a user installs it: an older version
 * first ({@code dpkg -i}: the same package with a lower version), an app's config in
 * {@code /etc/jcluster}, then the new one over it with {@code apt-get install ./jcluster_….deb}. Then
 * what a user does with it: {@code /usr/bin/jcluster --version}, {@code start} of an example (and the
 * unit template's command on the config in /etc/jcluster), {@code man}, completion in fresh shells;
 * and {@code dpkg -r}, which leaves no file of the package behind.
 *
 * <p>Why this machine and not a root made with debootstrap: CI runs as root on a throwaway machine,
 * and the package's dependencies (a Java 17 runtime, glibc, man-db, bash-completion) are what the build
 * and the other tests need anyway, so installing takes seconds; a debootstrap root needs a Debian mirror,
 * minutes to make and a JRE installed into it, and a chroot in which to run JVMs, shells and man. A
 * machine that has a jcluster package of its own is refused, never changed: the test installs and removes
 * only the versions it builds. One run at a time (a lock file): the machine has one dpkg database.
 */
@Timeout(900)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageIT {
    private static final Path TARGET = Path.of(System.getProperty("jcluster.target", "target"));
    private static final String PROJECT_VERSION = System.getProperty("jcluster.version", "0.1.0-SNAPSHOT");
    /** The version of the repacked package that the real one upgrades. */
    private static final String OLDER = "0.0.1";
    private static final Path LIB = Path.of("/usr/lib/jcluster");
    private static final Path ETC = Path.of("/etc/jcluster");
    private static final Path UNIT = Path.of("/usr/lib/systemd/system/jcluster@.service");
    private static final Duration HTTP = Duration.ofSeconds(10);

    private Path deb;
    private String version;
    private Path work;
    private FileChannel lockFile;
    private FileLock lock;
    private String instance;
    private Path config;
    private byte[] configBytes;
    private int configPort;

    @BeforeAll
    void prepare() throws Exception {
        Needs.that(io.jcluster.cli.host.Peers.ownUid() == 0, "root: it installs the Debian package on this machine with dpkg and"
                + " apt-get (CI runs as root)");
        Needs.executable("/usr/bin/dpkg-deb", "dpkg");
        Needs.executable("/usr/bin/apt-get", "apt");
        Needs.executable("/usr/bin/man", "man-db");
        Needs.executable("/usr/bin/tmux", "tmux");
        Needs.executable("/usr/bin/zsh", "zsh");
        Needs.executable("/usr/bin/systemd-analyze", "systemd");
        Needs.executable("/usr/bin/objdump", "binutils");
        Needs.that(Files.isRegularFile(Path.of("/usr/share/bash-completion/bash_completion")), "bash-completion (apt-get install -y bash-completion)");
        Needs.built(Sandbox.HELLO_JAR, "hello-netty");
        Needs.that(!dropsManPages(), "a dpkg that installs man pages (a path-exclude of /usr/share/man in /etc/dpkg/dpkg.cfg.d,"
                + " as slim images have, keeps them out: remove it)");
        try (Stream<Path> s = Files.list(TARGET)) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().matches("jcluster_.*\\.deb")).toList();
            Needs.that(debs.size() == 1, "the Debian package built in " + TARGET.toAbsolutePath() + " (mvn -B package), one: " + debs);
            deb = debs.get(0).toAbsolutePath();
        }
        version = field(deb, "Version");
        lockFile = FileChannel.open(Path.of("/tmp/jcluster-package.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockFile.lock();
        String installed = installedVersion();
        if (installed != null && !installed.equals(OLDER) && !installed.equals(version)) {
            fail("jcluster " + installed + " is installed on this machine: the test installs and removes its own package, and"
                    + " leaves this one alone (dpkg -r jcluster first, where that is fine)");
        }
        if (installed != null) assertEquals(0, dpkg("--purge", "jcluster").code(), "a previous run's package purged");
        work = Files.createTempDirectory("jcluster-package-it-");
        instance = "pkg-it-" + ProcessHandle.current().pid();
        config = ETC.resolve(instance + ".toml");
    }

    @Test
    @Order(1)
    void theNewVersionGoesOverAnOlderOneWithAptAndTheAppsConfigStays() throws Exception {
        Path older = repack(OLDER);
        Run old = dpkg("-i", older.toString());
        assertEquals(0, old.code(), old.all());
        assertEquals(OLDER, installedVersion());
        assertTrue(Files.isDirectory(ETC), "the package makes " + ETC);

        configPort = Sandbox.freePort();
        configBytes = ("# " + instance + ": a user's app\n[app]\nname = \"" + instance + "\"\njar = \""
                + Sandbox.HELLO_JAR.toAbsolutePath().normalize() + "\"\ninstances = 1\nport = " + configPort + "\n")
                .getBytes(StandardCharsets.UTF_8);
        Files.write(config, configBytes);

        Run upgrade = run(List.of("apt-get", "install", "-y", "-o", "DPkg::Lock::Timeout=300", deb.toString()));
        assertEquals(0, upgrade.code(), upgrade.all());
        assertTrue(upgrade.out().contains("Unpacking jcluster (" + version + ") over (" + OLDER + ")"), upgrade.out());
        assertEquals(version, installedVersion());
        assertArrayEquals(configBytes, Files.readAllBytes(config), "the app's config is as the user wrote it");
        assertEquals("", run(List.of("dpkg-query", "-W", "-f=${Conffiles}", "jcluster")).out().strip(), "no conffile: nothing in /etc is the package's");
        assertEquals(1, run(List.of("dpkg", "-S", config.toString())).code(), "the app's config belongs to no package");

        assertEquals(run(List.of("dpkg", "--print-architecture")).out().strip(), field(deb, "Architecture"));
        String depends = field(deb, "Depends");
        assertTrue(depends.contains("java17-runtime-headless"), depends);
        Matcher libc = Pattern.compile("libc6 \\(>= ([0-9.]+)\\)").matcher(depends);
        assertTrue(libc.find(), depends);
        String needed = newestGlibc(LIB.resolve("lib/libjcluster-preload.so"));
        assertTrue(compareVersions(needed, libc.group(1)) <= 0, "the preload library needs glibc " + needed + ", the package says " + depends);
    }

    @Test
    @Order(2)
    void jclusterRunsFromUsrBinAndTheUnitTemplateRunsTheAppOfEtc() throws Exception {
        Run v = run(List.of("/usr/bin/jcluster", "--version"));
        assertEquals(0, v.code(), v.all());
        assertTrue(v.out().startsWith("jcluster " + PROJECT_VERSION + "\n"), v.out());
        assertTrue(Files.isRegularFile(LIB.resolve("lib/jcluster.jsa")) && Files.isRegularFile(LIB.resolve("lib/primary.jsa")),
                "postinst made the class-data archives for this java");

        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Run start = run(sandbox, List.of("/usr/bin/jcluster", "start", Sandbox.HELLO_JAR.toAbsolutePath().toString(),
                    "-i", "1", "-p", Integer.toString(port), "--name", "pkg-start"));
            assertEquals(0, start.code(), () -> start.all() + sandbox.primaryLog("pkg-start"));
            assertTrue(Sandbox.get(port, HTTP).startsWith("hello from"));
            long primary = Long.parseLong(Files.readString(sandbox.home.resolve("run/pkg-start/primary.pid")).strip());
            ProcessHandle p = ProcessHandle.of(primary).orElseThrow();
            p.destroy(); // SIGTERM: the primary drains its worker and exits
            p.onExit().get(60, TimeUnit.SECONDS);
            Sandbox.await("the app's processes to end", Duration.ofSeconds(30), () -> sandbox.leftovers().isEmpty());

            // The unit's own command line on the config in /etc/jcluster, as systemd would run it (in the foreground;
            // its JCLUSTER_HOME is the sandbox's rather than the unit's /var/lib/jcluster/%i, which systemd would make).
            Run verify = run(List.of("systemd-analyze", "verify", UNIT.resolveSibling("jcluster@" + instance + ".service").toString()));
            assertEquals(new Run(0, "", ""), verify, "systemd-analyze verify has nothing to say");
            List<String> command = execStart(instance);
            assertEquals(List.of("/usr/bin/jcluster", "start", "--foreground", config.toString()), command);
            Path output = sandbox.dir.resolve("unit.out");
            Process unit = sandbox.background(output, command);
            Sandbox.await("the unit's app to answer on " + configPort, Duration.ofSeconds(120), () -> answers(configPort) || !unit.isAlive());
            assertTrue(unit.isAlive(), () -> read(output));
            unit.destroy();
            assertTrue(unit.waitFor(60, TimeUnit.SECONDS), "the foreground primary stops on SIGTERM");
            assertEquals(0, unit.exitValue(), () -> read(output));
            Sandbox.await("the unit's app to end", Duration.ofSeconds(30), () -> sandbox.leftovers().isEmpty());
        }
    }

    @Test
    @Order(3)
    void manFindsEveryPage() throws Exception {
        for (String page : ManPages.commandPages(Main.commandLine().getCommandSpec())) {
            Run w = run(List.of("man", "-w", page));
            assertEquals(new Run(0, "/usr/share/man/man1/" + page + ".1.gz\n", ""), w, page);
        }
        assertEquals("/usr/share/man/man5/jcluster.toml.5.gz\n", run(List.of("man", "-w", "5", "jcluster.toml")).out());
        Run init = run(List.of("man", "jcluster-init"), "MANWIDTH=120");
        assertTrue(init.out().contains("--force") && init.out().contains("JCLUSTER-INIT(1)"), init.all());
    }

    /** bash-completion loads the script on the first Tab in a login shell with no rc file; zsh with compinit on, as zsh users have it. */
    @Test
    @Order(4)
    void freshShellsCompleteJcluster() throws Exception {
        try (Sandbox sandbox = new Sandbox(); Tmux tmux = new Tmux(sandbox, 160, 40)) {
            Path home = Files.createDirectories(work.resolve("home"));
            Files.createDirectories(home.resolve(".jcluster/logs/shop"));
            String clean = "exec env -i HOME=" + home + " TERM=xterm-256color PATH=/usr/bin:/bin LANG=C.UTF-8 ";
            tmux.type(clean + "bash --login -i");
            awaitShell(tmux);
            complete(tmux, "jcluster upg", "jcluster upgrade");
            complete(tmux, "jcluster start --lis", "jcluster start --listen");
            complete(tmux, "jcluster logs sh", "jcluster logs shop");
            tmux.type("exit");
        }
        try (Sandbox sandbox = new Sandbox(); Tmux tmux = new Tmux(sandbox, 160, 40)) {
            Path zdot = Files.createDirectories(work.resolve("zdot"));
            Files.writeString(zdot.resolve(".zshrc"), "autoload -Uz compinit && compinit\n");
            tmux.type("exec env -i HOME=" + zdot + " ZDOTDIR=" + zdot + " TERM=xterm-256color PATH=/usr/bin:/bin LANG=C.UTF-8 zsh -i");
            awaitShell(tmux);
            complete(tmux, "jcluster upg", "jcluster upgrade");
            complete(tmux, "jcluster start --lis", "jcluster start --listen");
            tmux.type("exit");
        }
    }

    @Test
    @Order(5)
    void removalLeavesNoFileOfThePackage() throws Exception {
        List<Path> files = run(List.of("dpkg", "-L", "jcluster")).out().lines().filter(l -> l.startsWith("/")).map(Path::of).toList();
        assertTrue(files.contains(Path.of("/usr/bin/jcluster")) && files.contains(UNIT), files.toString());
        Run r = dpkg("-r", "jcluster");
        assertEquals(0, r.code(), r.all());
        assertFalse(Files.exists(LIB, LinkOption.NOFOLLOW_LINKS), LIB + " is gone, with the class-data archives postinst made");
        List<Path> left = new ArrayList<>();
        for (Path f : files) {
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) continue;
            if (!Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) || isEmpty(f)) left.add(f);
        }
        assertEquals(List.of(), left, "files of the package left after dpkg -r (a directory may stay only with others' files in it)");
        assertArrayEquals(configBytes, Files.readAllBytes(config), "the user's config stays");
        Run status = run(List.of("dpkg-query", "-W", "-f=${db:Status-Status}", "jcluster"));
        assertTrue(status.code() != 0 || status.out().equals("not-installed"), "dpkg keeps nothing of jcluster, not even config-files: " + status);
    }

    @AfterAll
    void cleanUp() throws Exception {
        try {
            if (installedVersion() != null) dpkg("--purge", "jcluster");
            if (config != null) Files.deleteIfExists(config);
            if (Files.isDirectory(ETC) && isEmpty(ETC) && run(List.of("dpkg", "-S", ETC.toString())).code() != 0) Files.delete(ETC);
            if (work != null) {
                try (Stream<Path> files = Files.walk(work)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } finally {
            if (lock != null) lock.release();
            if (lockFile != null) lockFile.close();
        }
    }

    /** The package with its version changed: the same files and scripts, an older version. */
    private Path repack(String newVersion) throws Exception {
        Path tree = work.resolve("older");
        assertEquals(0, run(List.of("dpkg-deb", "-R", deb.toString(), tree.toString())).code());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + newVersion));
        Path older = work.resolve("jcluster_" + newVersion + ".deb");
        Run b = run(List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", tree.toString(), older.toString()));
        assertEquals(0, b.code(), b.all());
        return older;
    }

    /** The unit's ExecStart= for {@code instance}, as words. */
    private static List<String> execStart(String instance) throws IOException {
        for (String line : Files.readAllLines(UNIT)) {
            if (line.startsWith("ExecStart=")) return Arrays.asList(line.substring("ExecStart=".length()).replace("%i", instance).split(" "));
        }
        throw new AssertionError("no ExecStart= in " + UNIT);
    }

    private void awaitShell(Tmux tmux) throws Exception {
        tmux.type("echo READY-$((6*7))");
        Sandbox.await("the shell", Duration.ofSeconds(30), () -> tmux.capture().contains("READY-42"));
    }

    /** Types {@code typed}, presses Tab once, and waits for the line to read {@code expected}. */
    private static void complete(Tmux tmux, String typed, String expected) throws Exception {
        tmux.send("C-u");
        tmux.send("-l", typed);
        tmux.send("Tab");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!tmux.capture().contains(expected)) {
            if (System.nanoTime() > deadline) fail("Tab after '" + typed + "' did not give '" + expected + "':\n" + tmux.capture());
            Thread.sleep(100);
        }
        tmux.send("C-u");
    }

    private static boolean answers(int port) {
        try {
            return Sandbox.get(port, Duration.ofSeconds(2)).startsWith("hello from");
        } catch (IOException e) {
            return false;
        }
    }

    /** The newest GLIBC_x.y symbol version {@code lib} needs. */
    private static String newestGlibc(Path lib) throws Exception {
        Matcher m = Pattern.compile("GLIBC_([0-9.]+)").matcher(run(List.of("objdump", "-T", lib.toString())).out());
        String newest = "0";
        while (m.find()) if (compareVersions(m.group(1), newest) > 0) newest = m.group(1);
        return newest;
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
            if (c != 0) return c;
        }
        return 0;
    }

    private static String field(Path deb, String name) throws Exception {
        Run r = run(List.of("dpkg-deb", "-f", deb.toString(), name));
        assertEquals(0, r.code(), r.all());
        return r.out().strip();
    }

    /** The installed jcluster's version, or null. */
    private static String installedVersion() throws Exception {
        Run r = run(List.of("dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", "jcluster"));
        if (r.code() != 0 || !r.out().startsWith("installed ")) return null;
        return r.out().substring("installed ".length()).strip();
    }

    /** dpkg, waiting for its lock when another dpkg or apt holds it. */
    private static Run dpkg(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dpkg"));
        command.addAll(List.of(args));
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            Run r = run(command);
            if (r.code() == 0 || !r.err().contains("lock") || System.nanoTime() > deadline) return r;
            Thread.sleep(1000);
        }
    }

    /** Whether dpkg is told to leave man pages out (a slim image's /etc/dpkg/dpkg.cfg.d). */
    private static boolean dropsManPages() throws IOException {
        Path dir = Path.of("/etc/dpkg/dpkg.cfg.d");
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.strip().startsWith("path-exclude") && line.contains("/usr/share/man")) return true;
                }
            }
        }
        return false;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private static Run run(List<String> command, String... env) throws Exception {
        return run(null, command, env);
    }

    /** Runs {@code command} (with {@code sandbox}'s JCLUSTER_HOME when given) and waits for it, at most 5 minutes. */
    private static Run run(Sandbox sandbox, List<String> command, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        pb.environment().put("LC_ALL", "C.UTF-8");
        for (String e : env) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        if (sandbox != null) {
            pb.directory(sandbox.dir.toFile());
            pb.environment().put("JCLUSTER_HOME", sandbox.home.toString());
        }
        Path out = Files.createTempFile("package-it", ".out");
        Path err = Files.createTempFile("package-it", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within 5 minutes");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
