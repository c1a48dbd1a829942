package io.jcluster.cli.manpages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Main;
import io.jcluster.cli.Needs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The man pages the build made (target/man-roff, by {@link ManPages} and asciidoctor), as {@code man}
 * shows them: a page for every command {@code --help} lists and for no other, each with every option
 * and its description as {@code --help} has them; {@code jcluster.toml(5)} with every section and
 * every key of {@code docs/config.md}; and groff has nothing to say about any of them.
 */
class ManPagesTest {
    private static final Path ROFF = Path.of("target/man-roff");
    private static final Path CONFIG_DOC = Path.of("../docs/config.md");

    @Test
    void aPageForEveryCommandWithItsOptionsAsHelpHasThem() throws Exception {
        CommandSpec root = Main.commandLine().getCommandSpec();
        List<String> pages = ManPages.commandPages(root);
        TreeSet<String> expected = new TreeSet<>();
        for (String p : pages) expected.add(p + ".1");
        expected.add(ManPages.CONFIG_PAGE + ".5");
        try (Stream<Path> made = Files.list(ROFF)) {
            assertEquals(expected, new TreeSet<>(made.map(p -> p.getFileName().toString()).toList()),
                    "the build writes " + ROFF + " (exec-maven-plugin and asciidoctor-maven-plugin, process-test-classes)");
        }
        assertTrue(pages.contains("jcluster-init") && pages.contains("jcluster-start") && !pages.contains("jcluster-__primary"), pages.toString());
        for (CommandLine sub : new java.util.LinkedHashSet<>(root.subcommands().values())) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.usageMessage().hidden()) continue;
            String page = flat(man(ROFF.resolve(spec.qualifiedName("-") + ".1")));
            for (OptionSpec o : spec.options()) {
                if (o.hidden()) continue;
                for (String name : o.names()) assertTrue(page.contains(name), spec.qualifiedName() + "(1) lacks " + name);
                for (String line : o.description()) {
                    assertTrue(page.contains(flat(line)), spec.qualifiedName() + "(1) lacks the description of " + o.longestName() + ": " + line);
                }
            }
            for (picocli.CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
                if (p.hidden()) continue;
                assertTrue(page.contains(p.paramLabel()), spec.qualifiedName() + "(1) lacks " + p.paramLabel());
                for (String line : p.description()) {
                    assertTrue(page.contains(flat(line)), spec.qualifiedName() + "(1) lacks the description of " + p.paramLabel() + ": " + line);
                }
            }
            for (String line : spec.usageMessage().description()) {
                assertTrue(page.contains(flat(line)), spec.qualifiedName() + "(1) lacks its description: " + line);
            }
        }
        String main = flat(man(ROFF.resolve("jcluster.1")));
        for (String p : pages) if (!p.equals("jcluster")) assertTrue(main.contains(p + "(1)"), "jcluster(1) sees also " + p);
        assertTrue(main.contains("jcluster.toml(5)"));
    }

    @Test
    void theConfigPageHasEverySectionAndKeyOfTheConfigDoc() throws Exception {
        String page = flat(man(ROFF.resolve("jcluster.toml.5")));
        assertTrue(page.startsWith("JCLUSTER.TOML(5)"), page.substring(0, 80));
        Pattern heading = Pattern.compile("^## (.*)$", Pattern.MULTILINE);
        Pattern keyRow = Pattern.compile("^\\| `([a-z_<>]+)`( \\(table\\))? \\| ", Pattern.MULTILINE);
        String doc = Files.readString(CONFIG_DOC);
        int keys = 0;
        for (Matcher m = heading.matcher(doc); m.find(); ) {
            assertTrue(page.contains(flat(m.group(1).replace("`", "")).toUpperCase()), "section " + m.group(1));
        }
        for (Matcher m = keyRow.matcher(doc); m.find(); keys++) {
            assertTrue(page.contains(m.group(1) + (m.group(2) == null ? "" : " (table)") + " (default: "), "key " + m.group(1));
        }
        assertTrue(keys > 40, "found the keys of docs/config.md: " + keys);
        assertTrue(page.contains("max_total = \"200MB\""), "the sample file, verbatim");
        assertTrue(page.contains("spare has no JCLUSTER_SLOT in its environment"), "text with markup characters");
    }

    /** {@code man} renders every page without a warning (groff's: a bad request, an unknown escape, a table that does not fit). */
    @Test
    void groffHasNothingToSay() throws Exception {
        try (Stream<Path> pages = Files.list(ROFF)) {
            for (Path p : pages.sorted().toList()) {
                String warnings = run(Map.of("MANWIDTH", "80"), "man", "--warnings", "-l", p.toString()).err();
                // a word longer than the line (a path, a flag) cannot be broken: that is all groff may say
                warnings = warnings.lines().filter(l -> !l.contains("can't break line")).reduce("", (a, b) -> a + b + "\n");
                assertEquals("", warnings, p.getFileName() + ": groff warns");
            }
        }
    }

    /** A page as man shows it, one very long line per paragraph. */
    private static String man(Path page) throws Exception {
        return run(Map.of("MANWIDTH", "10000"), "man", "-l", page.toString()).out();
    }

    private record Output(String out, String err) {}

    private static Output run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Needs.executable("/usr/bin/man", "man-db");
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("MAN_KEEP_FORMATTING", "");
        Path err = Files.createTempFile("man", ".err");
        try {
            Process p = pb.redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + Files.readString(err));
            return new Output(out, Files.readString(err));
        } finally {
            Files.delete(err);
        }
    }

    /** Whitespace as single spaces, typographic apostrophes and hyphens as the ASCII ones. */
    private static String flat(String text) {
        List<String> words = new ArrayList<>(List.of(text.replace('\u2019', '\'').replace('\u2010', '-').strip().split("\\s+")));
        return String.join(" ", words);
    }
}
