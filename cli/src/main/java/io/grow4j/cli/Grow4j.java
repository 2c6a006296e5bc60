package io.grow4j.cli;

import io.grow4j.transforms.PlanException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** The grow4j command line. Exit codes: 0 success, 1 a check that ran and failed (verify), 2 an error. */
@Command(name = "grow4j", mixinStandardHelpOptions = true, version = "grow4j 0.1.0",
        description = "Grow trained transformers without changing what they compute.",
        subcommands = {InspectCommand.class, GenerateCommand.class, GrowCommand.class, TrainCommand.class, VerifyCommand.class, ConvertCommand.class,
                DevicesCommand.class, BenchCommand.class,
                DemoCommand.class, CommandLine.HelpCommand.class})
public final class Grow4j {
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int ERROR = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Grow4j());
        withHelpOptions(cli);
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
        String command = cli.getCommandName();
        if (e instanceof PlanException plan) {
            for (String problem : plan.problems()) {
                err.println("grow4j " + command + ": error: " + problem);
            }
        } else {
            err.println("grow4j " + command + ": error: " + describe(e));
        }
        if (System.getenv("GROW4J_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
    }

    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException n) {
            return n.getFile() + ": no such file" + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " already exists" + (f.getReason() == null ? "" : ": " + f.getReason());
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory: " + e.getMessage() + " (raise -Xmx through GROW4J_JAVA_OPTS)";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
