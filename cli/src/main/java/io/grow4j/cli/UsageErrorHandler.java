package io.grow4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A command line picocli cannot parse: one line saying what is wrong, one pointing at the command's help, exit 2
 * (as git and most Unix tools do; the full help hides the one line that matters). Arguments nothing matched are
 * named for what they are: an unknown option, an unknown command, or an argument too many.
 */
final class UsageErrorHandler implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cli = ex.getCommandLine();
        String command = cli.getCommandSpec().qualifiedName();
        PrintWriter err = cli.getErr();
        err.println(command + ": error: " + message(ex, args));
        err.println("see '" + command + " --help'");
        err.flush();
        return Grow4j.ERROR;
    }

    private static String message(ParameterException ex, String[] args) {
        CommandSpec spec = ex.getCommandLine().getCommandSpec();
        if (ex.getMessage().startsWith("Missing required subcommand")) {
            return "no command given (commands: " + String.join(", ", spec.subcommands().keySet()) + ")";
        }
        if (ex instanceof MissingParameterException) {
            // picocli checks required options before it reports unmatched ones, so a misspelt required option
            // (--plna) would read as "missing --plan" alone: name the unknown option first, it is the cause.
            List<String> unknown = unknownOptions(args, spec);
            if (!unknown.isEmpty()) {
                return String.join("; ", unknown) + "; " + ex.getMessage();
            }
        }
        if (!(ex instanceof UnmatchedArgumentException unmatched) || unmatched.getUnmatched().isEmpty()) {
            return ex.getMessage();
        }
        List<String> parts = new ArrayList<>();
        for (String arg : unmatched.getUnmatched()) {
            parts.add(describe(arg, spec));
        }
        String message = String.join("; ", parts);
        List<String> suggestions = unmatched.getSuggestions();
        return suggestions.isEmpty() ? message : message + " (did you mean " + String.join(" or ", suggestions) + "?)";
    }

    private static String describe(String arg, CommandSpec spec) {
        if (arg.startsWith("-") && arg.length() > 1 && !isNumber(arg)) {
            return "unknown option '" + arg + "'";
        }
        if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
            return "unknown command '" + arg + "' (commands: " + String.join(", ", spec.subcommands().keySet()) + ")";
        }
        List<String> labels = spec.positionalParameters().stream().map(PositionalParamSpec::paramLabel).toList();
        return "unexpected argument '" + arg + "' (" + spec.qualifiedName() + " takes "
                + (labels.isEmpty() ? "no positional arguments" : String.join(" ", labels)) + ")";
    }

    /** Each argument after the command's name that looks like an option the command does not have. */
    private static List<String> unknownOptions(String[] args, CommandSpec spec) {
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            if ("--".equals(arg)) {
                break;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.startsWith("-") && name.length() > 1 && !isNumber(name) && spec.findOption(name) == null
                    && (spec.parent() == null || spec.parent().findOption(name) == null)) {
                unknown.add("unknown option '" + arg + "'");
            }
        }
        return unknown;
    }

    private static boolean isNumber(String arg) {
        try {
            Double.parseDouble(arg);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
