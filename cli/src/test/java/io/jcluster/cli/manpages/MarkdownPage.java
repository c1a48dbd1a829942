package io.jcluster.cli.manpages;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page of the docs, in the Markdown they are written in, as an AsciiDoc man page for asciidoctor's
 * manpage backend. It knows what the docs use: headings, paragraphs, {@code -} lists, pipe tables,
 * fenced code, {@code `code`}, {@code **bold**} and links (their text stays; a man page cannot follow
 * them). Every character AsciiDoc would read as markup is written as an attribute reference, so the
 * text comes out as it reads in the Markdown.
 */
final class MarkdownPage {
    private static final Pattern HEADING = Pattern.compile("(#{1,4}) +(.*)");
    private static final Pattern ITEM = Pattern.compile("[-*] +(.*)");
    /** A code span (of one or more backticks), bold, or a link. */
    private static final Pattern INLINE = Pattern.compile("(`+) ?(.+?) ?\\1(?!`)|\\*\\*(.+?)\\*\\*|\\[([^\\]]+)]\\(([^)\\s]+)\\)");
    private static final Pattern SEPARATOR = Pattern.compile("\\|?\\s*:?-{3,}:?\\s*(\\|\\s*:?-{3,}:?\\s*)*\\|?");

    private final List<String> out = new ArrayList<>();

    private MarkdownPage() {}

    /**
     * The man page {@code name(section)}: NAME ({@code name - purpose}), SYNOPSIS, DESCRIPTION (the
     * text before the first {@code ##} heading; the {@code #} title is left out), then a section per
     * {@code ##} heading, and {@code seeAlso} (AsciiDoc) at the end.
     */
    static String manPage(String markdown, String name, int section, String purpose, String synopsis, String version, String seeAlso) {
        MarkdownPage p = new MarkdownPage();
        p.out.add(":doctype: manpage");
        p.out.add(":manmanual: Jcluster Manual");
        p.out.add(":mansource: jcluster " + version);
        p.out.add("= " + name + "(" + section + ")");
        p.out.add("");
        p.out.add("== Name");
        p.out.add("");
        p.out.add(name + " - " + text(purpose));
        p.out.add("");
        p.out.add("== Synopsis");
        p.out.add("");
        p.out.add(synopsis);
        p.out.add("");
        p.out.add("== Description");
        p.convert(markdown.split("\r?\n", -1));
        return String.join("\n", p.out) + "\n" + seeAlso;
    }

    private void convert(String[] lines) {
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            Matcher h = HEADING.matcher(line);
            if (line.isBlank()) {
                i++;
            } else if (h.matches()) {
                int level = h.group(1).length();
                if (level > 1) {
                    out.add("");
                    out.add("=".repeat(level) + " " + inline(h.group(2)));
                }
                i++;
            } else if (line.startsWith("```")) {
                out.add("");
                out.add("....");
                for (i++; i < lines.length && !lines[i].startsWith("```"); i++) out.add(lines[i]);
                out.add("....");
                i++;
            } else if (line.startsWith("|")) {
                i = table(lines, i);
            } else if (ITEM.matcher(line).matches()) {
                out.add("");
                while (i < lines.length && ITEM.matcher(lines[i]).matches()) {
                    StringBuilder item = new StringBuilder(ITEM.matcher(lines[i]).replaceFirst("$1"));
                    for (i++; i < lines.length && lines[i].startsWith(" ") && !lines[i].isBlank(); i++) item.append(' ').append(lines[i].strip());
                    out.add("* " + inline(item.toString()));
                    if (i < lines.length && lines[i].isBlank() && i + 1 < lines.length && ITEM.matcher(lines[i + 1]).matches()) i++;
                }
            } else {
                StringBuilder para = new StringBuilder(line.strip());
                for (i++; i < lines.length && !lines[i].isBlank() && !startsBlock(lines[i]); i++) para.append(' ').append(lines[i].strip());
                out.add("");
                out.add("{empty}" + inline(para.toString()));
            }
        }
    }

    private static boolean startsBlock(String line) {
        return HEADING.matcher(line).matches() || line.startsWith("```") || line.startsWith("|") || ITEM.matcher(line).matches();
    }

    /**
     * A pipe table, its first row the header. A table of keys ({@code key | default | meaning}) is a
     * list of tagged paragraphs, as man pages list options: {@code name} (default: …), then its
     * meaning. Any other is an AsciiDoc table, its last column the widest.
     */
    private int table(String[] lines, int i) {
        List<List<String>> rows = new ArrayList<>();
        for (; i < lines.length && lines[i].startsWith("|"); i++) {
            if (SEPARATOR.matcher(lines[i].strip()).matches()) continue;
            rows.add(cells(lines[i].strip()));
        }
        List<String> header = rows.get(0);
        out.add("");
        if (header.equals(List.of("key", "default", "meaning"))) {
            for (List<String> row : rows.subList(1, rows.size())) {
                out.add(inline(row.get(0)) + " (default: " + inline(row.get(1)) + ")::");
                out.add("{empty}" + inline(row.get(2)));
            }
            return i;
        }
        int columns = header.size();
        List<String> widths = new ArrayList<>();
        for (int c = 0; c < columns; c++) widths.add(c == columns - 1 ? "3" : "1");
        out.add("[cols=\"" + String.join(",", widths) + "\",options=\"header\"]");
        out.add("|===");
        for (List<String> row : rows) {
            StringBuilder r = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                r.append(c == 0 ? "|" : " |").append(c < row.size() ? inline(row.get(c)).replace("|", "\\|") : "");
            }
            out.add(r.toString());
        }
        out.add("|===");
        return i;
    }

    /** The cells of a table row, {@code \|} being a pipe in a cell. */
    private static List<String> cells(String row) {
        String inner = row.substring(1, row.endsWith("|") && !row.endsWith("\\|") ? row.length() - 1 : row.length());
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 0; i < inner.length(); i++) {
            char ch = inner.charAt(i);
            if (ch == '\\' && i + 1 < inner.length() && inner.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (ch == '|') {
                cells.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        cells.add(cell.toString().strip());
        return cells;
    }

    /** Inline Markdown as AsciiDoc: code as monospace, bold as bold, a link as its text; the rest as text. */
    static String inline(String markdown) {
        StringBuilder s = new StringBuilder();
        Matcher m = INLINE.matcher(markdown);
        int at = 0;
        while (m.find()) {
            s.append(text(markdown.substring(at, m.start())));
            if (m.group(2) != null) s.append("``").append(text(m.group(2))).append("``");
            else if (m.group(3) != null) s.append("**").append(inline(m.group(3))).append("**");
            else s.append(inline(m.group(4)));
            at = m.end();
        }
        return s.append(text(markdown.substring(at))).toString();
    }

    /**
     * Text with every character AsciiDoc could read as markup (or turn into a typographic one: an
     * apostrophe, a quote) passed through as it is. A passthrough, not an attribute such as
     * {@code {asterisk}}: those are character references, which the manpage backend leaves as they are.
     */
    static String text(String plain) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < plain.length(); i++) {
            char ch = plain.charAt(i);
            if (ch == '+') s.append("pass:[+]");
            else if (ch == ':' && i + 1 < plain.length() && (plain.charAt(i + 1) == ':' || plain.charAt(i + 1) == '/')) s.append("+++:+++");
            else if ("*_#^~`[]{}\\'\"".indexOf(ch) >= 0) s.append("+++").append(ch).append("+++");
            else s.append(ch);
        }
        return s.toString();
    }
}
