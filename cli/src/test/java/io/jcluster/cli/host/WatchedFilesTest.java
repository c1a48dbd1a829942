package io.jcluster.cli.host;

import static io.jcluster.cli.host.WatchedFiles.Verdict.SETTLED;
import static io.jcluster.cli.host.WatchedFiles.Verdict.SETTLING;
import static io.jcluster.cli.host.WatchedFiles.Verdict.UNCHANGED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppJar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On real files: a jar being written is not acted on until it has settled and its zip directory reads. */
class WatchedFilesTest {
    @TempDir
    Path dir;

    private static byte[] jar(String... entries) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String e : entries) {
                zip.putNextEntry(new ZipEntry(e));
                zip.write(("content of " + e).repeat(100).getBytes());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static void touch(Path p, long millis) throws IOException {
        Files.setLastModifiedTime(p, FileTime.fromMillis(millis));
    }

    @Test
    void aJarIsReloadedOnlyOnceItIsCompleteAndStable() throws IOException {
        Path jar = dir.resolve("app.jar");
        Path conf = dir.resolve("jcluster.toml");
        Files.write(jar, jar("A.class"));
        Files.writeString(conf, "[app]\n");
        touch(jar, 1_000_000);
        List<Path> paths = List.of(jar, conf);
        WatchedFiles.Look baseline = WatchedFiles.look(paths);
        assertEquals(UNCHANGED, WatchedFiles.verdict(baseline, baseline, WatchedFiles.look(paths)));

        // a deploy copies the new jar: first half of it
        byte[] next = jar("A.class", "B.class", "C.class");
        Files.write(jar, java.util.Arrays.copyOf(next, next.length / 2));
        touch(jar, 2_000_000);
        WatchedFiles.Look half = WatchedFiles.look(paths);
        assertEquals(SETTLING, WatchedFiles.verdict(baseline, baseline, half), "changed since the last look");
        assertFalse(AppJar.readable(jar));
        assertEquals(SETTLING, WatchedFiles.verdict(baseline, half, WatchedFiles.look(paths)),
                "stable size and mtime, but the zip directory does not read: still being written");

        Files.write(jar, next);
        touch(jar, 3_000_000);
        WatchedFiles.Look whole = WatchedFiles.look(paths);
        assertEquals(SETTLING, WatchedFiles.verdict(baseline, half, whole), "one look is not enough");
        assertTrue(AppJar.readable(jar));
        assertEquals(SETTLED, WatchedFiles.verdict(baseline, whole, WatchedFiles.look(paths)));

        // the reload failed: the caller takes the failed look as its baseline, and nothing is retried
        assertEquals(UNCHANGED, WatchedFiles.verdict(whole, whole, WatchedFiles.look(paths)));
    }

    @Test
    void aDirectoryStandsForItsFilesAndADeletedFileIsAChange() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path a = Files.writeString(conf.resolve("a.properties"), "a=1\n");
        List<Path> paths = List.of(conf);
        WatchedFiles.Look baseline = WatchedFiles.look(paths);
        assertEquals(1, baseline.files().size());
        Files.writeString(conf.resolve("b.properties"), "b=1\n");
        WatchedFiles.Look added = WatchedFiles.look(paths);
        assertEquals(SETTLING, WatchedFiles.verdict(baseline, baseline, added));
        assertEquals(SETTLED, WatchedFiles.verdict(baseline, added, WatchedFiles.look(paths)), "no jar: stable is enough");
        Files.delete(a);
        WatchedFiles.Look gone = WatchedFiles.look(paths);
        assertEquals(SETTLED, WatchedFiles.verdict(added, gone, WatchedFiles.look(paths)));
    }

    @Test
    void aJarThatFailedIsNotTriedAgainUntilItChangesAgain() throws IOException {
        Path jar = dir.resolve("app.jar");
        Files.write(jar, jar("A.class"));
        touch(jar, 1_000_000);
        FileWatch watch = FileWatch.startingNow(List.of(jar));
        assertEquals(UNCHANGED, watch.observe(WatchedFiles.look(watch.paths())));
        Files.write(jar, jar("A.class", "Broken.class"));
        touch(jar, 2_000_000);
        assertEquals(SETTLING, watch.observe(WatchedFiles.look(watch.paths())));
        WatchedFiles.Look settled = WatchedFiles.look(watch.paths());
        assertEquals(SETTLED, watch.observe(settled));
        watch.reloadStarted(settled); // ... and the reload rolled back
        for (int i = 0; i < 3; i++) assertEquals(UNCHANGED, watch.observe(WatchedFiles.look(watch.paths())), "no restart loop");
        Files.write(jar, jar("A.class", "Fixed.class"));
        touch(jar, 3_000_000);
        assertEquals(SETTLING, watch.observe(WatchedFiles.look(watch.paths())));
        assertEquals(SETTLED, watch.observe(WatchedFiles.look(watch.paths())), "a new change is tried");
    }
}
