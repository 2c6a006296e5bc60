package io.grow4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bad option value is refused with one line naming the option, the value and the limit it passes, then a pointer to
 * the command's help; exit 2, nothing written (issue 8, fault 7: "--shard-size 99999999999999999999" said only "must
 * be at least 1", a plan directory only "Is a directory").
 */
class OptionMessagesTest {
    @TempDir
    Path dir;

    private Cli grow(String... options) throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 256}\n");
        List<String> args = new ArrayList<>(List.of("grow", Stories.shaped().toString(), "--plan", plan.toString(),
                "--out", dir.resolve("out").toString()));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    /** Exit 2, one error line holding every fragment, nothing written. */
    private void assertRefused(Cli run, String... fragments) {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        String error = run.err().lines().filter(l -> l.contains(": error: ")).findFirst().orElse("");
        for (String fragment : fragments) {
            assertTrue(error.contains(fragment), "'" + fragment + "' not in: " + run.err());
        }
        assertFalse(Files.exists(dir.resolve("out")), "output written despite the error");
    }

    @Test
    void shardSizesOutOfRangeNameTheOptionValueAndLimit() throws IOException {
        assertRefused(grow("--shard-size", "99999999999999999999"), "'--shard-size'", "'99999999999999999999'",
                "too large", "9223372036854775807 bytes");
        assertRefused(grow("--shard-size", "1e400"), "'--shard-size'", "'1e400'", "too large");
        assertRefused(grow("--shard-size", "0"), "'--shard-size'", "'0'", "too small", "at least 1 byte");
        assertRefused(grow("--shard-size", "0.2"), "'--shard-size'", "'0.2'", "too small", "at least 1 byte");
        assertRefused(grow("--shard-size", "-5MB"), "'--shard-size'", "'-5MB'", "negative", "at least 1 byte");
        assertRefused(grow("--shard-size", "NaN"), "'--shard-size'", "'NaN'", "is not a size");
    }

    @Test
    void countsOutOfRangeNameTheOptionValueAndLimit() {
        assertRefused(Cli.run("bench", "growth", "--max-params", "1e30"), "'--max-params'", "'1e30'", "too large",
                "9223372036854775807 parameters");
        assertRefused(Cli.run("bench", "growth", "--max-params", "0"), "'--max-params'", "'0'", "at least 1 parameter");
    }

    @Test
    void aPlanPathThatIsADirectoryIsNamedAsSuch() throws IOException {
        Path plans = Files.createDirectory(dir.resolve("plans"));
        Cli run = Cli.run("grow", Stories.shaped().toString(), "--plan", plans.toString(), "--out",
                dir.resolve("out").toString());
        assertRefused(run, "--plan " + plans + " is a directory");
        assertFalse(run.err().contains("Is a directory"), run.err());
        assertRefused(Cli.run("demo", "--plan", plans.toString()), "--plan " + plans + " is a directory");
    }

    @Test
    void aDeviceProfilePathThatIsMissingOrADirectoryIsNamedAsSuch() {
        String model = Stories.shaped().toString();
        assertRefused(Cli.run("generate", model, "--device-profile", dir.toString()),
                "--device-profile " + dir + " is a directory: it takes a YAML device profile");
        assertRefused(Cli.run("devices", "--device-profile", dir.resolve("none.yaml").toString()),
                "--device-profile " + dir.resolve("none.yaml") + " does not exist");
    }

    @Test
    void verifyOptionsOutOfRange() {
        String model = Stories.shaped().toString();
        assertRefused(Cli.run("verify", model, model, "--tolerance", "NaN"), "'--tolerance'", "'NaN'", "not a number",
                "at least 0");
        assertRefused(Cli.run("verify", model, model, "--tolerance", "-1e-4"), "'--tolerance'", "'-1e-4'", "negative",
                "at least 0");
        assertRefused(Cli.run("verify", model, model, "--tolerance", "Infinity"), "'--tolerance'", "'Infinity'",
                "too large", String.valueOf(Double.MAX_VALUE));
        assertRefused(Cli.run("verify", model, model, "--sequences", "0"), "'--sequences'", "'0'", "at least 1");
        assertRefused(Cli.run("verify", model, model, "--sequences", "99999999999"), "'--sequences'",
                "'99999999999'", "too large", "2147483647");
        assertRefused(Cli.run("verify", model, model, "--length", "-3"), "'--length'", "'-3'", "at least 1");
        assertRefused(Cli.run("verify", model, model, "--length", "100000"), "--length 100000",
                "maximum sequence length 512");
    }

    @Test
    void seedsAndBackendsNameTheOption() throws IOException {
        String model = Stories.shaped().toString();
        assertRefused(Cli.run("generate", model, "--seed", "99999999999999999999"), "'--seed'",
                "'99999999999999999999'", "out of range", "9223372036854775807");
        assertRefused(Cli.run("verify", model, model, "--seed", "x1"), "'--seed'", "'x1' is not a whole number");
        assertRefused(Cli.run("bench", "--backend", "cuda"), "grow4j bench: error: --backend: unknown backend 'cuda'",
                "known: opencl, aparapi, cpu, scalar");
        assertRefused(Cli.run("generate", model, "--backend", "cuda"), "--backend: unknown backend 'cuda'");
        assertRefused(grow("--backend", "cuda"), "--backend: grow pads on cpu or opencl, not 'cuda'");
    }

    @Test
    void generateOptionsOutOfRange() {
        String model = Stories.shaped().toString();
        assertRefused(Cli.run("generate", model, "--steps", "0"), "'--steps'", "'0'", "at least 1");
        assertRefused(Cli.run("generate", model, "--steps", "99999999999999"), "'--steps'", "'99999999999999'",
                "too large", "2147483647");
        assertRefused(Cli.run("generate", model, "--steps", "100000"), "--steps 100000", "512");
        assertRefused(Cli.run("generate", model, "--temperature", "-0.5"), "'--temperature'", "'-0.5'", "negative",
                "at least 0");
        assertRefused(Cli.run("generate", model, "--temperature", "NaN"), "'--temperature'", "'NaN'", "not a number");
        assertRefused(Cli.run("generate", model, "--temperature", "1e999"), "'--temperature'", "'1e999'", "too large");
    }
}
