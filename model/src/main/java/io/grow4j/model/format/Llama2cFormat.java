package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.Llama2cLayout.Section;
import io.grow4j.model.format.Llama2cLayout.Span;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * llama2.c checkpoints (Karpathy's run.c), version 0: a 28-byte header, then float32 weights stacked per role over all
 * layers (see {@link Llama2cLayout}). The format stores no norm epsilon, RoPE base or head size: run.c fixes eps at
 * 1e-5 and theta at 10000 and derives head size as dim / n_heads, so only Llama configs that agree can be written.
 * Values are always stored as float32; a model of another dtype is rounded to it.
 */
public final class Llama2cFormat implements ModelFormat {
    @Override
    public String name() {
        return "llama2.c";
    }

    @Override
    public Model read(Path path) throws IOException {
        {   // the tensors are views of the mapping, which lives as long as they do
            MemorySegment file = SegmentIo.mapReadOnly(path, Arena.ofAuto());
            TransformerConfig config = Llama2cHeader.read(file, path).toConfig();
            checkSize(path, file.byteSize(), config);
            List<Span> spans = Llama2cLayout.spans(config);
            Map<TensorKey, Tensor> tensors = new TreeMap<>();
            for (Span span : spans) {
                if (span.key() != null) {
                    tensors.put(span.key(), SegmentIo.mappedTensor(file, span.begin(), DType.F32, span.shape()));
                }
            }
            return new Model(config, tensors);
        }
    }

    /**
     * Before anything is listed or read per layer: the header's sizes must add up to the file's length, so a corrupt
     * n_layers (2^31 - 1) fails here instead of listing billions of spans. A short file names the first tensor it
     * cuts, a long one the surplus.
     */
    private static void checkSize(Path path, long size, TransformerConfig config) throws CheckpointException {
        long expected;
        try {
            expected = Llama2cLayout.fileBytes(config);
        } catch (ArithmeticException e) {
            throw new CheckpointException(path, "the header's sizes (" + Llama2cHeader.of(config).describe()
                    + ") imply a file of more than 2^63 bytes; this file has " + size + ": the header is corrupt");
        }
        if (size < expected) {
            Span cut = Llama2cLayout.spanAt(config, size);
            throw CheckpointException.truncated(path, size, cut.name(), cut.begin(), cut.end(), "the header ("
                    + Llama2cHeader.of(config).describe() + ") implies a file of " + expected + " bytes");
        }
        if (size > expected) {
            throw new CheckpointException(path, (size - expected) + " unexpected bytes after the last tensor at offset "
                    + expected + " (the header implies a file of " + expected + " bytes)");
        }
    }

    @Override
    public List<String> writeProblems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        String instead = ": write a directory instead";
        if (!config.architecture().equals(Architecture.LLAMA)) {
            problems.add("llama2.c holds Llama models only; this model's architecture is "
                    + config.architecture().id() + instead);
        }
        if (config.layers() == 0) {
            problems.add("llama2.c needs at least one layer (n_layers 0 is not a valid header)");
        }
        if (config.normEps() != Llama2cHeader.NORM_EPS) {
            problems.add("llama2.c fixes the norm epsilon at 1e-5; this model needs " + config.normEps()
                    + " (hidden growth rescales it, DESIGN 2.1)" + instead);
        }
        headSizeProblem(config).ifPresent(problems::add);
        if (config.attention().bias()) {
            problems.add("llama2.c has no attention biases; this model has them" + instead);
        }
        if (config.mlp().bias()) {
            problems.add("llama2.c has no MLP biases; this model has them" + instead);
        }
        if (config.mlp().activation() != Activation.SWIGLU) {
            problems.add("llama2.c's MLP is SwiGLU; this model uses " + config.mlp().activation() + instead);
        }
        switch (config.positions()) {
            case Positions.Learned l -> problems.add("llama2.c uses RoPE; this model has learned positions" + instead);
            case Positions.Rope r when r.theta() != Llama2cHeader.ROPE_THETA -> problems.add(
                    "llama2.c fixes the RoPE base at 10000; this model uses " + r.theta() + instead);
            case Positions.Rope r -> { }
        }
        if (config.positions() instanceof Positions.Rope r && !(r.scaling() instanceof RopeScaling.None)) {
            problems.add("llama2.c's header has no RoPE scaling (run.c rotates by 10000^(-2i/d) at every position);"
                    + " this model uses " + r.scaling().describe() + instead);
        }
        return problems;
    }

    /** llama2.c never stores the head size: it reads Q as n_heads * (dim / n_heads) rows, K and V likewise. */
    private static Optional<String> headSizeProblem(TransformerConfig config) {
        AttentionConfig a = config.attention();
        int dim = config.hidden();
        boolean divides = dim % a.queryHeads() == 0;
        if (divides && dim / a.queryHeads() == a.keySize() && a.keySize() == a.valueSize()) {
            return Optional.empty();
        }
        String derived = "dim / n_heads = " + dim + " / " + a.queryHeads()
                + (divides ? " = " + dim / a.queryHeads() : ", not an integer");
        String ours = a.keySize() == a.valueSize() ? "head size is " + a.keySize()
                : "key size is " + a.keySize() + " and value size " + a.valueSize();
        String rows = "Q has " + (long) a.queryHeads() * a.keySize() + " rows, K " + (long) a.kvHeads() * a.keySize()
                + (divides ? ", where llama2.c would read " + dim + " and " + (long) a.kvHeads() * (dim / a.queryHeads())
                : "");
        return Optional.of("llama2.c derives head size as " + derived + ", but this model's " + ours + " (" + rows
                + "): write a directory instead");
    }

    @Override
    public void write(Model model, Path out) throws IOException {
        List<String> problems = writeProblems(model.config());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot write " + out + " as llama2.c:\n  " + String.join("\n  ", problems));
        }
        // llama2.c rotates interleaved pairs; a permutation of Q/K rows, so nothing is rounded.
        Model interleaved = RopePermutation.toLayout(model, RopeLayout.INTERLEAVED);
        AtomicOutput.writeFile(out, temporary -> writeTo(interleaved, temporary));
    }

    private static void writeTo(Model model, Path file) throws IOException {
        TransformerConfig config = model.config();
        Positions.Rope rope = (Positions.Rope) config.positions();
        int headSize = config.attention().keySize();
        Map<Section, Tensor> freqCis = Map.of(
                Section.FREQ_CIS_REAL, RopeTables.freqCis(config.maxSeqLen(), headSize, rope.theta(), false),
                Section.FREQ_CIS_IMAG, RopeTables.freqCis(config.maxSeqLen(), headSize, rope.theta(), true));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            SegmentIo.writeFully(channel, Llama2cHeader.of(config).toBytes());
            for (Span span : Llama2cLayout.spans(config)) {
                Tensor t = span.key() != null ? model.tensor(span.key()) : freqCis.get(span.section());
                SegmentIo.writeFully(channel, (t.dtype() == DType.F32 ? t : t.convertTo(DType.F32)).data());
            }
        }
    }
}
