package io.grow4j.cli;

import io.grow4j.model.MemoryBudget;
import io.grow4j.transforms.PlanException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** The grow4j command line. Exit codes: 0 success, 1 a check that ran and failed (verify), 2 an error. */
@Command(name = "grow4j", mixinStandardHelpOptions = true, version = "grow4j 0.1.0",
        description = "Grow trained transformers without changing what they compute.",
        subcommands = {InspectCommand.class, GenerateCommand.class, GrowCommand.class, VerifyCommand.class, ConvertCommand.class, TrainCommand.class,
                DevicesCommand.class, BenchCommand.class,
                DemoCommand.class, CommandLine.HelpCommand.class})
public final class Grow4j {
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int ERROR = 2;

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    /**
     * Runs a command; an OutOfMemoryError, which picocli does not catch (it is an Error), becomes one line and exit 2
     * like any other error, instead of a stack trace and exit 1.
     */
    static int run(String[] args, java.io.PrintStream err) {
        String command = args.length > 0 ? args[0] : "grow4j";
        try {
            return commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            err.println("grow4j " + command + ": error: " + describe(e));
            return ERROR;
        }
    }

    public static CommandLine commandLine() {
        return commandLine(new PrintWriter(new OutputStreamWriter(System.out, System.out.charset()), true),
                new PrintWriter(new OutputStreamWriter(System.err, System.err.charset()), true));
    }

    /**
     * The command line printing to {@code out} and {@code err} through {@link TerminalWriter}s, so nothing read from
     * a file reaches the terminal raw; help without colours for the same reason. Usage errors: one line and a
     * pointer to --help ({@link UsageErrorHandler}).
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Grow4j());
        withHelpOptions(cli);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cli.setOut(TerminalWriter.wrap(out));
        cli.setErr(TerminalWriter.wrap(err));
        cli.setUnmatchedArgumentsAllowed(false);
        cli.setParameterExceptionHandler(new UsageErrorHandler());
        cli.setExecutionExceptionHandler(Grow4j::reportError);
        return cli;
    }

    /** --help and --version on every command, nested ones included (bench growth). */
    private static void withHelpOptions(CommandLine command) {
        command.getCommandSpec().mixinStandardHelpOptions(true);
        command.getSubcommands().values().forEach(Grow4j::withHelpOptions);
    }

    /** Bad input ends in one line per problem on stderr and exit code 2, never a stack trace. */
    private static int reportError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        // the whole command path, as usage errors print it: "grow4j bench decode", not "grow4j decode"
        String command = cli.getCommandSpec().qualifiedName();
        if (e instanceof PlanException plan) {
            for (String problem : plan.problems()) {
                err.println(command + ": error: " + problem);
            }
        } else {
            printLines(err, command + ": error: " + describe(e));
        }
        if (System.getenv("GROW4J_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
    }

    /**
     * A message that lists its problems one per line, joined by a newline and a two-space indent (the readers' own
     * layout), printed as those lines. Each line is escaped on its own, so any other newline, such as one inside a
     * tensor name read from a file, stays escaped: every printed line starts with the error prefix or the indent,
     * never with a forged "wrote ...".
     */
    static void printLines(PrintWriter err, String message) {
        String[] lines = message.split("\n  ", -1);
        err.println(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            err.println("  " + lines[i]);
        }
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file" + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " already exists" + (f.getReason() == null ? "" : ": " + f.getReason());
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory (" + e.getMessage() + ") with at most " + MemoryBudget.size(MemoryBudget.limit())
                    + " available: " + MemoryBudget.HOW_TO_RAISE;
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
