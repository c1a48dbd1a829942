package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import io.jcluster.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The completion scripts: the committed ones in {@code completions/} are what the build makes from
 * the command model now (approval), {@code jcluster completion} prints them, and a real bash that
 * sources the script completes subcommands, start's options, option values and app names.
 */
class CompletionScriptsTest {
    private static final Path GENERATED = Path.of("target/completions");
    private static final Path COMMITTED = Path.of("../completions");
    private static final String REGENERATE = "the committed completion scripts are stale: regenerate them with\n"
            + "  mvn -B -q -pl cli -am process-classes && cp cli/target/completions/* completions/\nand commit completions/";

    @TempDir
    Path dir;

    @Test
    void committedScriptsMatchTheCommandModel() throws IOException {
        for (String name : List.of("jcluster.bash", "jcluster.zsh")) {
            Path generated = GENERATED.resolve(name);
            assertTrue(Files.isRegularFile(generated), "the build writes " + generated + " (exec-maven-plugin, process-classes)");
            assertTrue(Files.isRegularFile(COMMITTED.resolve(name)), "missing completions/" + name + "\n" + REGENERATE);
            assertEquals(Files.readString(generated), Files.readString(COMMITTED.resolve(name)), name + ": " + REGENERATE);
        }
        assertEquals(Completion.bash(), Files.readString(GENERATED.resolve("jcluster.bash")), "the build ran the current code");
    }

    @Test
    void completionCommandPrintsTheScripts() {
        assertEquals(Completion.bash(), run("completion", "bash"));
        assertEquals(Completion.zsh(), run("completion", "zsh"));
        assertTrue(Completion.zsh().startsWith("#compdef jcluster\n"));
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("completion", "fish"));
        assertTrue(err.toString().contains("no completion for 'fish': bash or zsh"), err.toString());
    }

    @Test
    void realBashCompletesSubcommandsOptionsAndAppNames() throws Exception {
        Needs.that(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "bash");
        Path script = Files.writeString(dir.resolve("jcluster.bash"), Completion.bash());
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("run/shop"));
        Files.createDirectories(home.resolve("logs/billing"));

        Set<String> top = complete(script, home, "jcluster", "");
        for (String c : List.of("start", "stop", "ls", "logs", "flush", "completion", "startup")) {
            assertTrue(top.contains(c), "subcommand " + c + " in " + top);
        }
        assertTrue(!top.contains("__primary"), "the hidden command stays hidden: " + top);
        assertEquals(Set.of("start", "startup", "status", "stop"), complete(script, home, "jcluster", "st"));

        Set<String> startOptions = complete(script, home, "jcluster", "start", "--");
        for (String o : List.of("--instances", "--port", "--name", "--jvm-arg", "--listen", "--foreground", "--logs", "--help")) {
            assertTrue(startOptions.contains(o), "start option " + o + " in " + startOptions);
        }
        assertEquals(Set.of("handoff", "self"), complete(script, home, "jcluster", "start", "--listen", ""));
        assertEquals(Set.of("files", "stdout"), complete(script, home, "jcluster", "start", "--logs", ""));
        assertEquals(Set.of("billing", "shop"), complete(script, home, "jcluster", "logs", ""));
        assertEquals(Set.of("shop"), complete(script, home, "jcluster", "stop", "sh"));
        assertEquals(Set.of("--follow", "--lines"), filter(complete(script, home, "jcluster", "logs", "--"), "--follow", "--lines"));
        Files.writeString(dir.resolve("app-1.jar"), "");
        assertEquals(Set.of(dir.resolve("app-1.jar").toString()), complete(script, home, "jcluster", "start", dir.resolve("app-").toString()));
    }

    @Test
    void zshLoadsTheScriptThroughBashcompinit() throws Exception {
        Needs.that(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")), "zsh (apt-get install -y zsh)");
        assertTrue(!Completion.zsh().contains("alias compopt"), "compopt is a function in zsh (an alias would not reach the functions of an autoloaded file)");
        Path script = Files.writeString(dir.resolve("jcluster.zsh"), Completion.zsh());
        Process p = new ProcessBuilder("zsh", "-f", "-c",
                "autoload -U compinit && compinit -u -d '" + dir.resolve("zcompdump") + "'; source '" + script + "'; print -r -- ${_comps[jcluster]}")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("_bash_complete -F _complete_jcluster -o default", out.trim(), "zsh completes jcluster with the script's function");
    }

    private static Set<String> filter(Set<String> all, String... wanted) {
        Set<String> s = new TreeSet<>(all);
        s.retainAll(Arrays.asList(wanted));
        return s;
    }

    /** Runs the script's completion function in bash for the words typed so far (the last one is being completed). */
    private Set<String> complete(Path script, Path home, String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) array.append('\'').append(w.replace("'", "'\\''")).append("' ");
        String line = String.join(" ", words);
        String program = "source '" + script + "'\n"
                + "compopt() { :; }\n" // compopt only works while readline completes; the candidates do not depend on it
                + "COMP_WORDS=(" + array + ")\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "COMP_LINE='" + line.replace("'", "'\\''") + "'\n"
                + "COMP_POINT=${#COMP_LINE}\n"
                + "_complete_jcluster\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        ProcessBuilder pb = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program).directory(dir.toFile());
        pb.environment().put("JCLUSTER_HOME", home.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash finished");
        assertEquals(0, p.exitValue(), out);
        Set<String> result = new TreeSet<>();
        for (String l : out.split("\n")) if (!l.isBlank()) result.add(l.trim());
        return result;
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute(args));
        return out.toString();
    }
}
