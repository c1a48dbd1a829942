package io.jcluster.cli.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where jcluster keeps its files: {@code $JCLUSTER_HOME} (default {@code ~/.jcluster}), with
 * {@code run/<app>/} (sockets, pid file; 0700) and {@code logs/<app>/}.
 */
public record Home(Path root) {
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    /**
     * The home this process should use: the {@code jcluster.home} system property (for in-process
     * tests), else {@code $JCLUSTER_HOME}, else {@code ~/.jcluster}.
     */
    public static Home fromEnvironment() {
        String env = System.getProperty("jcluster.home", System.getenv("JCLUSTER_HOME"));
        if (env != null && !env.isBlank()) return new Home(Path.of(env).toAbsolutePath().normalize());
        return new Home(Path.of(System.getProperty("user.home"), ".jcluster"));
    }

    public Path runRoot() { return root.resolve("run"); }
    public Path runDir(String app) { return runRoot().resolve(app); }
    public Path logDir(String app) { return root.resolve("logs").resolve(app); }
    public Path controlSocket(String app) { return runDir(app).resolve("control.sock"); }
    public Path workerSocket(String app) { return runDir(app).resolve("workers.sock"); }
    /**
     * The name a primary binds one of its sockets ({@code control}, {@code workers}) to before it
     * renames it into place: netty unlinks a server socket's bound path when it closes, and a
     * primary that handed the app over must not unlink the path its successor took.
     */
    public Path ownSocket(String app, String kind, long pid) { return runDir(app).resolve(kind + "-" + pid + ".sock"); }
    public Path pidFile(String app) { return runDir(app).resolve("primary.pid"); }
    public Path specFile(String app) { return runDir(app).resolve("start.json"); }
    /** The config that start resolved from {@link #specFile}, for the primary it launches (see {@code control.StartFiles}). */
    public Path resolvedConfig(String app) { return runDir(app).resolve("config.json"); }
    public Path primaryLog(String app) { return logDir(app).resolve("primary.log"); }
    public Path workerLog(String app, int slot) { return logDir(app).resolve(slot + ".log"); }
    /** Class-data archives of {@code app}'s jar ({@code [app] cds}); they outlive the run directory. */
    public Path cacheDir(String app) { return root.resolve("cache").resolve(app); }
    public Path cdsDir(String app) { return cacheDir(app).resolve("cds"); }
    public Path bootDir(String app) { return cacheDir(app).resolve("boot"); }

    /** Creates the run and log directories of {@code app}, owner-only. */
    public void prepare(String app) throws IOException {
        for (Path dir : new Path[] {root, runRoot(), runDir(app), root.resolve("logs"), logDir(app)}) {
            if (!Files.isDirectory(dir)) Files.createDirectories(dir);
        }
        Files.setPosixFilePermissions(root, OWNER_ONLY);
        Files.setPosixFilePermissions(runRoot(), OWNER_ONLY);
        Files.setPosixFilePermissions(runDir(app), OWNER_ONLY);
    }
}
