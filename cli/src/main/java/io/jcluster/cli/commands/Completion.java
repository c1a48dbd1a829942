package io.jcluster.cli.commands;

import io.jcluster.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jcluster completion bash|zsh}: the shell completion script, made from the command model
 * by picocli's {@link AutoComplete}, with two additions picocli cannot know about: app names
 * complete where a command takes one (read from {@code $JCLUSTER_HOME} when Tab is pressed), and
 * jar/config arguments complete file names. The build writes the same scripts to
 * {@code cli/target/completions/} ({@link #main}); {@code completions/} holds the committed copies.
 */
@Command(name = "completion", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Print the shell completion script for bash or zsh.",
                "Load it with (the Debian package installs both where the shells look):",
                "  bash: source <(jcluster completion bash)     (e.g. in ~/.bashrc)",
                "  zsh:  source <(jcluster completion zsh)      (e.g. in ~/.zshrc)"})
public final class Completion implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<bash|zsh>", completionCandidates = Shells.class,
            description = "The shell: bash or zsh.")
    String shell;

    static final class Shells extends java.util.ArrayList<String> {
        Shells() {
            super(List.of("bash", "zsh"));
        }
    }

    @Override
    public Integer call() {
        String script = switch (shell.toLowerCase(Locale.ROOT)) {
            case "bash" -> bash();
            case "zsh" -> zsh();
            default -> throw new ExitException(ExitException.USAGE, "no completion for '" + shell + "': bash or zsh");
        };
        PrintWriter out = spec.commandLine().getOut();
        out.print(script);
        out.flush();
        return 0;
    }

    /** Writes {@code jcluster.bash} and {@code jcluster.zsh} into the directory given as the only argument (used by the build). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("jcluster.bash"), bash(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("jcluster.zsh"), zsh(), StandardCharsets.UTF_8);
    }

    /** The bash script. */
    public static String bash() {
        CommandLine root = Main.commandLine();
        String script = AutoComplete.bash("jcluster", root);
        for (CommandLine sub : new LinkedHashSet<>(root.getSubcommands().values())) {
            CommandSpec s = sub.getCommandSpec();
            if (s.usageMessage().hidden()) continue;
            String completion = positionalCompletion(s);
            if (completion == null) continue;
            Set<String> names = new LinkedHashSet<>();
            names.add(s.name());
            names.addAll(List.of(s.aliases()));
            for (String n : names) script = replacePositionals(script, "_picocli_jcluster_" + n, completion);
        }
        String marker = "# Bash completion entry point function.";
        return script.replace(marker, HELPERS + marker);
    }

    /**
     * The zsh script: the same functions, loaded through zsh's bashcompinit (the script sets that
     * up itself when it runs in zsh), sourced or autoloaded from {@code $fpath} as {@code _jcluster}.
     */
    public static String zsh() {
        return """
                #compdef jcluster
                #
                # jcluster zsh completion. Load it from ~/.zshrc with:
                #
                #   source <(jcluster completion zsh)
                #
                # or save it as a file and source that. It runs the bash completion functions below
                # through zsh's bashcompinit, which it enables (with compinit) when they are not on yet.
                #
                """ + bash().replaceFirst("(?s)^#!/usr/bin/env bash\\n", "").replace(COMPOPT_ALIAS, COMPOPT_FUNCTION) + """

                # Autoloaded from $fpath as _jcluster (where the Debian package puts it), this file runs at the first
                # Tab, and the lines above only set completion up for the next ones: complete this one too.
                if [[ ${funcstack[1]} == _jcluster ]]; then
                  _bash_complete -F _complete_jcluster -o default
                fi
                """;
    }

    /**
     * picocli makes bash's {@code compopt} an alias in zsh. An alias applies only to what is parsed after
     * it: not to the functions of this file when zsh autoloads it whole as {@code _jcluster}, which then
     * fail with "command not found: compopt". A function is looked up when it is called; it does nothing,
     * as zsh has no options of the current completion to set.
     */
    private static final String COMPOPT_ALIAS = "  alias compopt=complete\n";
    private static final String COMPOPT_FUNCTION = "  function compopt() { :; }\n";

    private static final String HELPERS = """
            # Names of the apps under $JCLUSTER_HOME (default ~/.jcluster): running ones and ones with logs.
            function _jcluster_app_names() {
              local home="${JCLUSTER_HOME:-$HOME/.jcluster}" d
              for d in "$home"/run/*/ "$home"/logs/*/; do
                [ -d "$d" ] && basename "$d"
              done | sort -u
            }

            """;

    /** What a command's positional parameter completes to, from its label: app names, files, or nothing special. */
    private static String positionalCompletion(CommandSpec s) {
        for (PositionalParamSpec p : s.positionalParameters()) {
            if (p.hidden()) continue;
            String label = p.paramLabel().toLowerCase(Locale.ROOT);
            if (label.contains("name")) return "$(_jcluster_app_names)";
            if (label.contains(".jar") || label.contains(".toml") || label.contains("file")) return "FILES";
        }
        return null;
    }

    private static String replacePositionals(String script, String function, String completion) {
        int start = script.indexOf("function " + function + "() {");
        if (start < 0) return script;
        int end = script.indexOf("\nfunction ", start + 1);
        if (end < 0) end = script.indexOf("\n# Define a completion specification", start);
        if (end < 0) end = script.length();
        String body = script.substring(start, end);
        String old = "    local positionals=\"\"\n";
        if (!body.contains(old)) return script;
        String replacement = completion.equals("FILES")
                ? "    type compopt &>/dev/null && compopt -o filenames\n"
                        + "    local positionals=$( compgen -f -- \"${curr_word}\" )\n"
                : "    local positionals=" + completion + "\n";
        return script.substring(0, start) + body.replace(old, replacement) + script.substring(end);
    }
}
