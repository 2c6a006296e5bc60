package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.forward.DecodingSession;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.Model;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "verify", description = "Check that two models compute the same logits (encoders such as BERT: the same"
        + " hidden states) on seeded random token sequences. Exit 0 when the largest difference is within TOLERANCE ×"
        + " the largest logit, 1 when not, 2 on error.")
final class VerifyCommand implements Callable<Integer> {
    private static final String GROW4J = "grow4j";
    private static final String ONNX_RUNTIME = "onnxruntime";

    @Parameters(index = "0", paramLabel = "A",
            description = "the first model (e.g. the original): " + Formats.MODELS_READ)
    Path first;

    @Parameters(index = "1", paramLabel = "B",
            description = "the second model (e.g. the grown one), any format A can be")
    Path second;

    @Option(names = "--tolerance", paramLabel = "TOLERANCE", defaultValue = "1e-4",
            converter = OptionRanges.NonNegativeFinite.class,
            description = "largest difference allowed, relative to the largest logit (default ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--sequences", paramLabel = "N", defaultValue = "4", converter = OptionRanges.PositiveInt.class,
            description = "random token sequences compared (default ${DEFAULT-VALUE})")
    int sequences;

    @Option(names = "--length", paramLabel = "TOKENS", defaultValue = "32", converter = OptionRanges.PositiveInt.class,
            description = "tokens per sequence, at most the models' maximum sequence length"
                    + " (default ${DEFAULT-VALUE})")
    int length;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "4", converter = OptionRanges.PositiveInt.class,
            description = "sequences run through each layer together by the float pass, so each weight is read once"
                    + " per layer per batch; fewer need less memory (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1234", converter = OptionRanges.Seed.class,
            description = "token seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--precision", paramLabel = "PRECISION", defaultValue = "float",
            description = "float (the backend) or double (the float64 reference) (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--engine", defaultValue = "grow4j", paramLabel = "ENGINE",
            description = "grow4j (our forward pass) or onnxruntime (both models are .onnx files run in ONNX"
                    + " Runtime, token types zero, attention mask of ones; their first outputs are compared)"
                    + " (default ${DEFAULT-VALUE})")
    String engine;

    @Option(names = "--progress", negatable = true,
            description = "draw a progress bar on stderr (layers of both models, batch by batch); by default only"
                    + " on a terminal")
    Boolean progress;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Model a = ModelFiles.read(first);
        Model b = ModelFiles.read(second);
        checkCompatible(a, b);
        if (!a.config().architecture().languageModelHead()) {
            return verifyEncoders(a, b);
        }
        LogitComparison comparison = new LogitComparison();
        int[][] tokens = randomSequences(a.config().vocabSize());
        if (precision.equals("double")) {
            compareReference(a, b, tokens, comparison);
        } else {
            try (Forwards forwards = backend.forwards();
                 Forwards.Forward forwardA = forwards.create(a);
                 Forwards.Forward forwardB = forwards.create(b)) {
                checkMemory(forwardA, forwardB);
                compareBatches(forwardA, forwardB, tokens, comparison);
            }
        }
        boolean pass = comparison.within(tolerance);
        report(spec.commandLine().getOut(), comparison, pass);
        return pass ? Grow4j.OK : Grow4j.CHECK_FAILED;
    }

    /** Both models on each batch in turn (A then B), a progress bar over their stages when wanted. */
    private void compareBatches(Forwards.Forward forwardA, Forwards.Forward forwardB, int[][] tokens,
                                LogitComparison comparison) {
        int batches = (sequences + batch - 1) / batch;
        long stages = 0;
        for (int from = 0; from < sequences; from += batch) {
            int size = Math.min(sequences, from + batch) - from;
            stages += forwardA.stages(size) + forwardB.stages(size);
        }
        boolean terminal = ProgressBars.isTerminal();
        try (ProgressBar bar = ProgressBars.wanted(progress)
                ? ProgressBars.builder("verify", System.err, terminal).setInitialMax(stages).setUnit(" stages", 1)
                .build() : null) {
            Runnable step = bar == null ? () -> { } : bar::step;
            for (int from = 0, b = 1; from < sequences; from += batch, b++) {
                int[][] chunk = Arrays.copyOfRange(tokens, from, Math.min(sequences, from + batch));
                message(bar, " batch " + b + "/" + batches + ", A");
                float[][][] x = forwardA.logits(chunk, step);
                message(bar, " batch " + b + "/" + batches + ", B");
                float[][][] y = forwardB.logits(chunk, step);
                for (int s = 0; s < chunk.length; s++) {
                    for (int t = 0; t < length; t++) {
                        comparison.add(x[s][t], y[s][t]);
                    }
                }
            }
        }
    }

    private static void message(ProgressBar bar, String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    private void checkOptions() {
        if (!precision.equals("float") && !precision.equals("double")) {
            throw new IllegalArgumentException("--precision must be float or double, got '" + precision + "'");
        }
        if (!engine.equals(GROW4J) && !engine.equals(ONNX_RUNTIME)) {
            throw new IllegalArgumentException("--engine must be grow4j or onnxruntime, got '" + engine + "'");
        }
        if (engine.equals(ONNX_RUNTIME)) {
            for (Path p : new Path[] {first, second}) {
                if (!p.getFileName().toString().endsWith(".onnx")) {
                    throw new IllegalArgumentException("--engine onnxruntime runs .onnx files, and " + p + " is not one");
                }
            }
            if (precision.equals("double")) {
                throw new IllegalArgumentException("--precision double needs the grow4j engine: ONNX Runtime runs the"
                        + " graphs in their own precision");
            }
        }
    }

    private void checkCompatible(Model a, Model b) {
        if (a.config().architecture().languageModelHead() != b.config().architecture().languageModelHead()) {
            throw new IllegalArgumentException(first + " is " + a.config().architecture().id() + " and " + second
                    + " is " + b.config().architecture().id() + ": one outputs logits, the other hidden states");
        }
        if (a.config().vocabSize() != b.config().vocabSize()) {
            throw new IllegalArgumentException("the models' vocabularies differ: " + first + " has "
                    + a.config().vocabSize() + " tokens, " + second + " has " + b.config().vocabSize());
        }
        int maxLength = Math.min(a.config().maxSeqLen(), b.config().maxSeqLen());
        if (length > maxLength) {
            throw new IllegalArgumentException("--length " + length + " exceeds the models' maximum sequence length "
                    + maxLength);
        }
    }

    /** The seeded tokens, sequence after sequence (the order every version of verify drew them in). */
    private int[][] randomSequences(int vocabSize) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] tokens = new int[sequences][length];
        for (int[] sequence : tokens) {
            for (int t = 0; t < length; t++) {
                sequence[t] = random.nextInt(vocabSize);
            }
        }
        return tokens;
    }

    /** The float64 reference, token by token (it holds double copies of both models: a test-sized path). */
    private static void compareReference(Model a, Model b, int[][] tokens, LogitComparison comparison) {
        ReferenceForward x = new ReferenceForward(a);
        ReferenceForward y = new ReferenceForward(b);
        for (int[] sequence : tokens) {
            DecodingSession sx = x.newSession();
            DecodingSession sy = y.newSession();
            for (int token : sequence) {
                comparison.add(sx.nextLogits(token), sy.nextLogits(token));
            }
        }
    }

    /**
     * Refuses a batch the heap cannot hold, before computing anything: weights are read in place from the mapped
     * files, so what must fit is one batch's activations for both models, plus float copies of any weights the
     * backend cannot read in place (named, with their dtype).
     */
    private void checkMemory(Forwards.Forward x, Forwards.Forward y) {
        int positions = Math.min(batch, sequences) * length;
        long need = x.heapBytes(positions) + y.heapBytes(positions);
        Runtime runtime = Runtime.getRuntime();
        long available = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        if (need <= available) {
            return;
        }
        List<String> copied = new ArrayList<>(x.copiedMatrices());
        copied.addAll(y.copiedMatrices());
        throw new IllegalArgumentException(String.format("verify needs about %d MiB of heap for a batch of %d"
                        + " sequences × %d tokens and has %d MiB: lower --batch or raise -Xmx (GROW4J_JAVA_OPTS)%s",
                need >> 20, Math.min(batch, sequences), length, available >> 20, copied.isEmpty() ? ""
                        : "; the " + backend.name + " backend cannot read these tensors in place and copies them to"
                        + " float32: " + String.join(", ", copied.subList(0, Math.min(3, copied.size())))
                        + (copied.size() > 3 ? " and " + (copied.size() - 3) + " more" : "")));
    }

    /** Encoders see each whole sequence at once (no KV cache) and output hidden states, compared position by position. */
    private int verifyEncoders(Model a, Model b) throws IOException {
        EncoderVerification verification = new EncoderVerification(seed, sequences, length, batch);
        LogitComparison comparison;
        String output;
        boolean onnxRuntime = engine.equals(ONNX_RUNTIME);
        boolean reference = precision.equals("double");
        try (KernelBackend kernels = onnxRuntime || reference ? null : backend.create();
             EncoderEngine x = encoder(a, first, kernels);
             EncoderEngine y = encoder(b, second, kernels)) {
            comparison = verification.compare(x, y, a.config().vocabSize());
            output = x.output();
        }
        boolean pass = comparison.within(tolerance);
        String runOn = onnxRuntime ? "onnxruntime" : reference ? "reference (float64)" : backend.name + " (float32)";
        verification.report(spec.commandLine().getOut(), comparison, runOn + ", " + output, tolerance, pass,
                "A " + first, "B " + second);
        return pass ? Grow4j.OK : Grow4j.CHECK_FAILED;
    }

    private EncoderEngine encoder(Model m, Path file, KernelBackend kernels) throws IOException {
        if (engine.equals(ONNX_RUNTIME)) {
            return EncoderEngine.onnxRuntime(file);
        }
        return kernels == null ? EncoderEngine.reference(m) : EncoderEngine.ours(m, kernels);
    }

    private void report(PrintWriter out, LogitComparison c, boolean pass) {
        String runOn = precision.equals("double") ? "reference (float64)" : backend.name + " (float32)";
        out.printf("compared      %d sequences × %d tokens on %s%n", sequences, length, runOn);
        if (c.nonFinite()) {
            // a NaN model is broken, not different: no difference figures, which would read NaN or mislead
            c.reportNonFinite(out, "logits", length, "A " + first, "B " + second);
            out.println("FAIL: non-finite logits");
            out.flush();
            return;
        }
        out.printf("max |Δlogit|  %.6e%n", c.maxAbsDiff());
        out.printf("max |logit|   %.6e%n", c.maxAbsLogit());
        out.printf("relative      %.6e (tolerance %.1e)%n", c.relativeDiff(), tolerance);
        out.printf("greedy agree  %d/%d (%.2f%%)%n", c.sameArgmax(), c.positions(),
                100.0 * c.sameArgmax() / c.positions());
        out.println(pass ? "PASS" : "FAIL");
        out.flush();
    }
}
