package io.grow4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line itself (issue 8, fault 8): usage errors in one line and a pointer to --help, unknown options named
 * as unknown, progress for in-memory growth, and help texts that describe every option, positional, default and
 * format.
 */
class CommandLineTest {
    @TempDir
    Path dir;

    /** Exit 2, exactly the error line and the pointer to the command's help: no usage text. */
    private static void assertUsageError(Cli run, String command, String... fragments) {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(2, lines.size(), "one error line and one pointer to --help, not:\n" + run.err());
        assertTrue(lines.get(0).startsWith(command + ": error: "), run.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' not in: " + run.err());
        }
        assertEquals("see '" + command + " --help'", lines.get(1));
        assertEquals("", run.out());
    }

    @Test
    void anUnknownOptionIsNamedAsUnknown() {
        String model = Stories.shaped().toString();
        assertUsageError(Cli.run("grow", model, "--plan", "p.yaml", "--out", "o", "--frobnicate"), "grow4j grow",
                "unknown option '--frobnicate'");
        assertUsageError(Cli.run("inspect", model, "--shard-size=4GB"), "grow4j inspect",
                "unknown option '--shard-size=4GB'");
        assertUsageError(Cli.run("verify", model, model, "--tolerence", "1e-3"), "grow4j verify",
                "unknown option '--tolerence'", "did you mean --tolerance");
        assertUsageError(Cli.run("grow", model, "--plna", "plan.yaml", "--out", "x"), "grow4j grow",
                "unknown option '--plna'", "--plan");
    }

    @Test
    void otherUsageErrorsAreOneLine() {
        String model = Stories.shaped().toString();
        assertUsageError(Cli.run("frobnicate"), "grow4j", "unknown command 'frobnicate'", "grow, verify");
        assertUsageError(Cli.run(), "grow4j", "no command given", "inspect, generate, grow");
        assertUsageError(Cli.run("inspect", model, "extra"), "grow4j inspect", "unexpected argument 'extra'",
                "takes MODEL");
        assertUsageError(Cli.run("grow", model), "grow4j grow", "Missing required options", "--plan", "--out");
        assertUsageError(Cli.run("grow", model, "--plan"), "grow4j grow", "--plan");
        assertUsageError(Cli.run("convert", model, "o", "--dtype", "q4_0"), "grow4j convert", "'--dtype'",
                "quantized output dtype 'q4_0'");
        assertUsageError(Cli.run("bench", "growth", "--max-params", "lots"), "grow4j bench growth",
                "'--max-params'", "'lots' is not a count");
    }

    @Test
    void inMemoryGrowthShowsProgressPerStep() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), Stories.PLAN);
        String[] args = {"grow", Stories.shaped().toString(), "--plan", plan.toString(), "--out", ""};
        args[5] = dir.resolve("bar").toString();
        String[] withBar = {args[0], args[1], args[2], args[3], args[4], args[5], "--progress"};
        String bar = Cli.processStderrOf(() -> assertEquals(0, Cli.run(withBar).exitCode()));
        assertTrue(bar.contains("grow") && bar.contains("5/5 steps") && bar.contains("M params"), bar);
        assertTrue(bar.contains("step 5 (layers)"), bar);
        assertFalse(bar.contains("\u001b["), "no terminal colours in a log: " + bar);

        args[5] = dir.resolve("quiet").toString();
        String quiet = Cli.processStderrOf(() -> assertEquals(0, Cli.run(args).exitCode()));
        assertFalse(quiet.contains("steps"), "no bar when stderr is not a terminal: " + quiet);
    }

    @Test
    void everyOptionAndPositionalIsDescribedWithItsDefault() {
        List<String> missing = new ArrayList<>();
        for (CommandLine command : allCommands(Grow4j.commandLine(new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())))) {
            CommandSpec spec = command.getCommandSpec();
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            for (ArgSpec arg : args) {
                String name = spec.qualifiedName() + " " + (arg instanceof OptionSpec o ? o.longestName()
                        : arg.paramLabel());
                String description = String.join(" ", arg.description()).strip();
                if (description.isEmpty()) {
                    missing.add(name + ": no description");
                } else if (arg.defaultValue() != null && arg.type() != boolean.class
                        && !description.matches("(?s).*default:? " + java.util.regex.Pattern.quote(arg.defaultValue())
                        + "\\b.*")) {
                    missing.add(name + ": default " + arg.defaultValue() + " not shown in '" + description + "'");
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    /** Each command's help names every format it reads and writes (README's formats table), wrapped or not. */
    @Test
    void helpTextsNameEveryFormat() {
        List<String> all = List.of("Hugging Face", "llama, mistral, qwen2, qwen3, olmo2, gpt2, gpt_neox, bert,"
                + " mixtral, qwen2_moe, gemma2, gemma3_text, phi3, smollm3 or grow4j-generic", "llama2.c .bin", ".gguf", ".onnx");
        Map<String, List<String>> expected = Map.of(
                "grow", all, "convert", all, "inspect", all, "verify", all, "demo", all,
                "generate", List.of("Hugging Face", "qwen2, qwen3, olmo2, gpt2, gpt_neox, mixtral, qwen2_moe, gemma2,"
                        + " gemma3_text, phi3, smollm3 or grow4j-generic", "llama2.c .bin", ".gguf"));
        for (var entry : expected.entrySet()) {
            Cli help = Cli.run(entry.getKey(), "--help");
            assertEquals(0, help.exitCode(), help.err());
            String text = help.out().replaceAll("\\s+", "");
            for (String format : entry.getValue()) {
                assertTrue(text.contains(format.replaceAll("\\s+", "")),
                        entry.getKey() + " --help does not name " + format + ":\n" + help.out());
            }
        }
        String grow = Cli.run("grow", "--help").out().replaceAll("\\s+", "");
        assertTrue(grow.contains("default:4GB") && grow.contains("defaultcpu"), grow);
    }

    private static List<CommandLine> allCommands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>(List.of(root));
        root.getSubcommands().values().forEach(sub -> all.addAll(allCommands(sub)));
        return all;
    }
}
