package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.BoundedRuns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 8: a seeded fuzzer over plan files. Each round mutates a valid plan's text (a number replaced by 0, -1, 2^31 - 1,
 * 2^63 - 1 or past them, a line duplicated or dropped, a second document, characters flipped, the text cut) and runs
 * it as {@code grow} does: parse, validate against a small Llama, check memory, grow. Every round must end in a grown
 * model or a {@link PlanException} (a parse problem naming the file, a validation problem naming its step), or an
 * IllegalArgumentException for memory, within {@link #PER_INPUT_SECONDS}; the seed, round and mutated text of any
 * other outcome are printed.
 */
class PlanFuzzTest {
    static final long SEED = Long.getLong("grow4j.fuzz.seed", 20261130L);
    static final int ROUNDS = Integer.getInteger("grow4j.fuzz.rounds", 600);
    private static final int PER_INPUT_SECONDS = 10;
    /** Larger plans that pass every check are valid work that takes its time: validated, not run. */
    private static final long MAX_GROWN_PARAMETERS = 1 << 20;
    private static final TransformerConfig LLAMA = TestConfigs.llama(RopeLayout.INTERLEAVED, true);
    private static final Model MODEL = RandomModels.create(LLAMA, DType.F32, 3);
    private static final List<String> SEEDS = List.of("""
            seed: 7
            steps:
              - mlp: {size: 64}
              - heads: {add: 2}
              - head_dim: {size: 12}
              - hidden: {size: 32}
              - layers: {add: 2, at: [0, 3]}
            """, """
            version: 1
            seed: -3
            steps:
              - heads: {add: 2, per_group: true}
              - layers: {add: 1}
              - mlp: {size: 48}
            """);
    private static final String[] NUMBERS = {"0", "-1", "1", "2147483647", "2147483648", "-2147483648",
            "9223372036854775807", "18446744073709551616", "1073741824", "2147483639", "1e9", "0x7fffffff", ".inf",
            "1000000", "100000"};
    private static BoundedRuns worker;

    @BeforeAll
    static void start() {
        worker = new BoundedRuns("plan-fuzz", PER_INPUT_SECONDS);
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    @Test
    void mutatedPlans() {
        for (int round = 0; round < ROUNDS; round++) {
            replay(SEED, round);
        }
    }

    /** Cases this fuzzer found, fixed since: {seed, round}. */
    @Test
    void regressions() {
        for (long[] c : REGRESSIONS) {
            replay(c[0], (int) c[1]);
        }
    }

    private static final long[][] REGRESSIONS = {
    };

    static void replay(long seed, int round) {
        Random random = new Random(seed * 1_000_003L + round);
        String original = SEEDS.get(random.nextInt(SEEDS.size()));
        String yaml = original;
        String mutations = "";
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            String[] result = mutate(yaml, random);
            yaml = result[0];
            mutations += (mutations.isEmpty() ? "" : ", ") + result[1];
        }
        String source = "fuzz-plan-" + round + ".yaml";
        String where = "plan fuzz seed " + seed + " round " + round + " (" + mutations + "):\n" + yaml;
        String text = yaml;
        Throwable failure = worker.failureOf(where, () -> {
            GrowthPlan plan = PlanFiles.parse(text, source);
            PlanException.throwIfAny(plan.problems(LLAMA));
            PlanException.throwIfAny(GrowthMemory.inMemoryProblems(LLAMA, plan, Float.BYTES));
            if (plan.apply(LLAMA).parameterCount() <= MAX_GROWN_PARAMETERS) {
                new Grower(new CpuPadKernel()).grow(MODEL, plan);
            }
            return null;
        });
        if (failure != null) {
            check(where, source, failure);
        }
    }

    private static void check(String where, String source, Throwable cause) {
        if (cause instanceof PlanException plan) {
            for (String problem : plan.problems()) {
                if (!problem.startsWith(source + ": ") && !problem.startsWith("step ")) {
                    fail(where + "\na problem that names neither the file nor a step: " + problem);
                }
            }
        } else if (!(cause instanceof IllegalArgumentException iae && iae.getMessage().startsWith("step "))) {
            throw new AssertionError(where + "\n" + cause, cause);
        }
    }

    /** {mutated text, description}. */
    private static String[] mutate(String yaml, Random random) {
        if (yaml.isEmpty() || !yaml.matches("(?s).*\\d.*")) {
            return new String[] {yaml + "steps: [{mlp: {size: 3}}]\n", "append a step"};
        }
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d+").matcher(yaml);
                List<int[]> runs = m.results().map(r -> new int[] {r.start(), r.end()}).toList();
                int[] run = runs.get(random.nextInt(runs.size()));
                String number = NUMBERS[random.nextInt(NUMBERS.length)];
                return new String[] {yaml.substring(0, run[0]) + number + yaml.substring(run[1]),
                        "number at " + run[0] + " -> " + number};
            }
            case 2 -> {
                List<String> lines = new java.util.ArrayList<>(yaml.lines().toList());
                int i = random.nextInt(lines.size());
                boolean duplicate = random.nextBoolean();
                if (duplicate) {
                    lines.add(i, lines.get(i));
                } else {
                    lines.remove(i);
                }
                return new String[] {String.join("\n", lines) + "\n", (duplicate ? "duplicate" : "drop") + " line " + i};
            }
            case 3 -> {
                return new String[] {yaml + "---\n" + yaml, "second document"};
            }
            case 4 -> {
                int at = random.nextInt(yaml.length());
                String specials = "{}[]:,-#&*!|>'\"%@` \n\t0";
                char c = specials.charAt(random.nextInt(specials.length()));
                return new String[] {yaml.substring(0, at) + c + yaml.substring(at + 1),
                        "char at " + at + " -> " + (int) c};
            }
            default -> {
                int at = random.nextInt(yaml.length());
                return new String[] {yaml.substring(0, at), "cut at " + at};
            }
        }
    }
}
