package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package's unit template, {@code jcluster@.service}, says what {@code jcluster startup
 * systemd} says for an app with the default timeouts (for the systemd of Debian 12), directive by
 * directive, but for what a template does its own way: the command on {@code /etc/jcluster/%i.toml},
 * the home under {@code /var/lib/jcluster/%i}, no user and no pinned java.
 */
class UnitTemplateTest {
    private static final Path TEMPLATE = Path.of("src/deb/systemd/jcluster@.service");
    /** What a template sets its own way. */
    private static final Set<String> OWN = Set.of("User", "WorkingDirectory", "Environment", "ExecStart", "Description");

    @TempDir
    Path dir;

    @Test
    void theTemplateSaysWhatStartupSaysForTheDefaults() throws Exception {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        Path file = Files.writeString(dir.resolve("app.toml"), "[app]\njar = \"app.jar\"\n");
        AppConfig defaults = ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
        String generated = Startup.unit(defaults, file, Path.of("/usr/bin/jcluster"), Path.of("/usr/bin/java"),
                new Home(Path.of("/var/lib/jcluster/app")), false, "root", 252, false);
        String template = Files.readString(TEMPLATE);
        for (String section : new String[] {"Unit", "Service", "Install"}) {
            Map<String, String> want = directives(generated, section);
            Map<String, String> have = directives(template, section);
            for (Map.Entry<String, String> d : want.entrySet()) {
                if (OWN.contains(d.getKey())) continue;
                assertEquals(d.getValue(), have.get(d.getKey()), "[" + section + "] " + d.getKey() + " of " + TEMPLATE);
            }
        }
        Map<String, String> service = directives(template, "Service");
        assertEquals("/usr/bin/jcluster start --foreground /etc/jcluster/%i.toml", service.get("ExecStart"));
        assertEquals("JCLUSTER_HOME=/var/lib/jcluster/%i", service.get("Environment"));
        assertEquals("jcluster/%i", service.get("StateDirectory"));
        assertTrue(!service.containsKey("User"), "root, unless a drop-in says otherwise");
    }

    /** The directives of one section (the last one of a key that repeats). */
    private static Map<String, String> directives(String unit, String section) {
        Map<String, String> d = new LinkedHashMap<>();
        String current = null;
        for (String line : unit.split("\n")) {
            if (line.startsWith("[")) current = line.substring(1, line.length() - 1);
            else if (section.equals(current) && !line.startsWith("#") && line.contains("=")) {
                d.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return d;
    }
}
