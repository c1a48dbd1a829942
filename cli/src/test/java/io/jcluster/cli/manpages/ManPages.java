package io.jcluster.cli.manpages;

import io.jcluster.cli.Main;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The man pages, made by the build (exec-maven-plugin; a build tool, so it lives with the tests):
 * <ol>
 * <li>{@code adoc <dir> <config.md> <version>}: AsciiDoc sources of {@code jcluster(1)} and one page per
 *     command from the picocli model, by picocli-codegen's {@link ManPageGenerator} (so the pages say
 *     what {@code --help} says), each with a SEE ALSO section; and {@code jcluster.toml(5)} from
 *     {@code docs/config.md} ({@link MarkdownPage}). asciidoctor's manpage backend then makes roff of them.</li>
 * <li>{@code gzip <roff dir> <man dir>}: each page compressed as Debian installs them, under
 *     {@code man1/} or {@code man5/} by its section.</li>
 * </ol>
 */
public final class ManPages {
    /** The page of the config file. */
    public static final String CONFIG_PAGE = "jcluster.toml";

    private ManPages() {}

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "adoc" -> adoc(Path.of(args[1]), Path.of(args[2]), args[3]);
            case "gzip" -> gzip(Path.of(args[1]), Path.of(args[2]));
            default -> throw new IllegalArgumentException("adoc <dir> <config.md> <version> | gzip <roff dir> <man dir>");
        }
    }

    /** The command pages, then the config file's, as AsciiDoc in {@code dir}. */
    static void adoc(Path dir, Path configDoc, String version) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.toList()) Files.delete(p);
        }
        CommandLine cl = Main.commandLine();
        // One line each: the man page wraps the synopsis at the reader's width (picocli would cut it at 80, even inside a word).
        cl.setUsageHelpWidth(1000);
        CommandSpec root = cl.getCommandSpec();
        int code = ManPageGenerator.generateManPage(dir.toFile(), null, new boolean[0], true, root);
        if (code != 0) throw new IOException("ManPageGenerator exited " + code);
        List<String> commands = commandPages(root);
        for (String page : commands) {
            Path file = dir.resolve(page + ".adoc");
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Files.writeString(file, withVersion(text, version) + seeAlso(page, commands), StandardCharsets.UTF_8);
        }
        String markdown = Files.readString(configDoc, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(CONFIG_PAGE + ".adoc"), MarkdownPage.manPage(markdown, CONFIG_PAGE, 5,
                "the config file of jcluster: the apps it runs, their ports, restarts, reloads and logs",
                "*jcluster start* _jcluster.toml_", version, seeAlso(CONFIG_PAGE, commands)), StandardCharsets.UTF_8);
    }

    /** {@code jcluster} and {@code jcluster-<command>} for every command help lists (not the hidden ones). */
    public static List<String> commandPages(CommandSpec root) {
        Stream<String> subs = root.subcommands().values().stream().map(CommandLine::getCommandSpec)
                .filter(s -> !s.usageMessage().hidden()).map(s -> s.qualifiedName("-")).distinct();
        return Stream.concat(Stream.of(root.name()), subs).toList();
    }

    /** The header's version lines say the build's version (the model's provider reads a jar manifest that is not made yet). */
    private static String withVersion(String adoc, String version) {
        Matcher m = Pattern.compile("(?m)^:(revnumber|mansource): .*$").matcher(adoc);
        return m.replaceAll(r -> ":" + r.group(1) + ": jcluster " + Matcher.quoteReplacement(version));
    }

    private static String seeAlso(String page, List<String> commands) {
        StringBuilder s = new StringBuilder("\n== See also\n\n");
        String sep = "";
        for (String c : commands) {
            if (c.equals(page)) continue;
            s.append(sep).append('*').append(c).append("*(1)");
            sep = ", ";
        }
        if (!page.equals(CONFIG_PAGE)) s.append(sep).append('*').append(CONFIG_PAGE).append("*(5)");
        return s.append("\n").toString();
    }

    /** Every {@code <name>.<section>} roff file of {@code roff}, gzipped into {@code man/man<section>/}. */
    static void gzip(Path roff, Path man) throws IOException {
        try (Stream<Path> pages = Files.list(roff)) {
            for (Path page : pages.sorted().toList()) {
                String name = page.getFileName().toString();
                Matcher m = Pattern.compile(".*\\.([1-8])").matcher(name);
                if (!m.matches()) continue;
                Path target = Files.createDirectories(man.resolve("man" + m.group(1))).resolve(name + ".gz");
                try (OutputStream out = new BestGzip(Files.newOutputStream(target))) {
                    out.write(Files.readAllBytes(page));
                }
            }
        }
    }

    /** gzip -9; the JDK writes no file name and a zero time, so the same page makes the same bytes. */
    private static final class BestGzip extends GZIPOutputStream {
        BestGzip(OutputStream out) throws IOException {
            super(out);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }
}
