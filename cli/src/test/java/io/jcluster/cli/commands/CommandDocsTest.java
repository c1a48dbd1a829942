package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The docs against the command model, as {@code DocSamplesTest} checks the config samples: README's
 * command table has a row for every command {@code jcluster --help} lists (with its aliases) and for no
 * other, and names every global option; docs/commands.md, the full reference, has a section for every
 * command with every one of its options.
 */
class CommandDocsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** A row of the table, by the command its first cell starts with. */
    private static final Pattern ROW = Pattern.compile("^\\| `jcluster ([a-z_-]+)\\b.*$", Pattern.MULTILINE);

    /** The commands help lists (not the hidden ones), by name. */
    private static Map<String, CommandSpec> commands() {
        Map<String, CommandSpec> commands = new LinkedHashMap<>();
        for (CommandLine sub : new LinkedHashSet<>(Main.commandLine().getSubcommands().values())) {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden()) commands.put(s.name(), s);
        }
        return commands;
    }

    @Test
    void readmesCommandTableListsEveryCommandAndGlobalOption() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Commands\n");
        assertTrue(start >= 0, "README.md has a Commands section");
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Map<String, String> rows = new LinkedHashMap<>();
        for (Matcher m = ROW.matcher(section); m.find(); ) rows.put(m.group(1), m.group());
        Map<String, CommandSpec> commands = commands();
        assertEquals(new TreeSet<>(commands.keySet()), new TreeSet<>(rows.keySet()),
                "README.md's command table: a row `jcluster <command> ...` for each command of jcluster --help, and no other");
        List<String> missing = new ArrayList<>();
        for (CommandSpec c : commands.values()) {
            for (String alias : c.aliases()) {
                if (!rows.get(c.name()).contains("`" + alias + "`")) missing.add(c.name() + "'s alias `" + alias + "`");
            }
        }
        for (OptionSpec o : Main.commandLine().getCommandSpec().options()) {
            if (o.hidden()) continue;
            if (!section.contains("`" + o.longestName() + "`")) missing.add("the global option `" + o.longestName() + "`");
        }
        assertEquals(List.of(), missing, "README.md's command table lacks them");
    }

    @Test
    void commandsMdHasASectionForEveryCommandWithEveryOption() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/commands.md"));
        Set<String> sections = new TreeSet<>();
        for (Matcher m = Pattern.compile("^## jcluster ([a-z_-]+)$", Pattern.MULTILINE).matcher(doc); m.find(); ) sections.add(m.group(1));
        Map<String, CommandSpec> commands = commands();
        assertEquals(new TreeSet<>(commands.keySet()), sections, "docs/commands.md: a section `## jcluster <command>` for each command, and no other");
        List<String> missing = new ArrayList<>();
        for (CommandSpec c : commands.values()) {
            int start = doc.indexOf("\n## jcluster " + c.name() + "\n");
            int end = doc.indexOf("\n## ", start + 1);
            String section = doc.substring(start, end < 0 ? doc.length() : end);
            if (!doc.contains("(#jcluster-" + c.name() + ")")) missing.add("a link to jcluster " + c.name() + " in the contents");
            for (OptionSpec o : c.options()) {
                if (o.hidden() || o.usageHelp() || o.versionHelp()) continue;
                if (!section.contains(o.longestName())) missing.add("jcluster " + c.name() + " " + o.longestName());
            }
        }
        assertEquals(List.of(), missing, "docs/commands.md lacks them");
    }
}
