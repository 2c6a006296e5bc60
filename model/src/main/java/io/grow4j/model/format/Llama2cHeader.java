package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's version-0 header: seven little-endian int32 with the field names of its {@code Config} struct. A negative
 * vocab_size means the classifier is stored separately after the freq_cis tables (untied).
 */
record Llama2cHeader(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize, int seqLen) {
    static final long BYTES = 7 * Integer.BYTES;
    /** llama2.c does not store these; run.c hard-codes them. */
    static final double NORM_EPS = 1e-5;
    static final double ROPE_THETA = 10000.0;
    /** First int32 of llama2.c's version 1 and 2 exports ("ak42"). */
    private static final int MAGIC = 0x616b3432;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Llama2cHeader read(MemorySegment file, Path path) throws CheckpointException {
        if (file.byteSize() < BYTES) {
            throw CheckpointException.truncated(path, file.byteSize(), "the header", 0, BYTES);
        }
        if (file.get(LE_INT, 0) == MAGIC) {
            throw new CheckpointException(path, "starts with magic 0x616b3432 ('ak42'): a llama2.c version 1+ export;"
                    + " only the version-0 (legacy) format is supported");
        }
        int[] v = new int[7];
        for (int i = 0; i < v.length; i++) {
            v[i] = file.get(LE_INT, (long) i * Integer.BYTES);
        }
        Llama2cHeader header = new Llama2cHeader(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        List<String> problems = header.problems();
        if (!problems.isEmpty()) {
            throw new CheckpointException(path, "bad llama2.c header: " + String.join("; ", problems));
        }
        try {
            header.toConfig();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(path, "bad llama2.c header (" + header.describe() + "): " + e.getMessage());
        }
        return header;
    }

    /** Every field that makes no sense, by its llama2.c name. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        positive(problems, "dim", dim);
        positive(problems, "hidden_dim", hiddenDim);
        positive(problems, "n_layers", layers);
        positive(problems, "n_heads", heads);
        positive(problems, "n_kv_heads", kvHeads);
        positive(problems, "seq_len", seqLen);
        if (vocabSize == 0 || vocabSize == Integer.MIN_VALUE) {
            problems.add("vocab_size " + vocabSize + " is not a usable size (negative only marks an untied classifier)");
        }
        if (heads > 0 && dim > 0 && dim % heads != 0) {
            problems.add("n_heads " + heads + " does not divide dim " + dim);
        } else if (heads > 0 && dim > 0 && (dim / heads) % 2 != 0) {
            problems.add("head size dim/n_heads = " + dim / heads + " is odd; RoPE rotates pairs");
        }
        if (kvHeads > 0 && heads > 0 && heads % kvHeads != 0) {
            problems.add("n_kv_heads " + kvHeads + " does not divide n_heads " + heads);
        }
        return problems;
    }

    private static void positive(List<String> problems, String field, int value) {
        if (value <= 0) {
            problems.add(field + " " + value + " is not positive");
        }
    }

    static Llama2cHeader of(TransformerConfig c) {
        AttentionConfig a = c.attention();
        return new Llama2cHeader(c.hidden(), c.mlp().size(), c.layers(), a.queryHeads(), a.kvHeads(),
                c.tiedEmbeddings() ? c.vocabSize() : -c.vocabSize(), c.maxSeqLen());
    }

    /** llama2.c derives the head size; it is never stored. */
    int headSize() {
        return dim / heads;
    }

    TransformerConfig toConfig() {
        int headSize = headSize();
        return new TransformerConfig(Architecture.LLAMA, Math.abs(vocabSize), dim, layers, seqLen,
                new AttentionConfig(heads, kvHeads, headSize, headSize, false),
                new MlpConfig(hiddenDim, Activation.SWIGLU, false), NORM_EPS,
                new Positions.Rope(ROPE_THETA, RopeLayout.INTERLEAVED), vocabSize > 0);
    }

    /** The fields by their llama2.c names, for messages. */
    String describe() {
        return "dim " + dim + ", hidden_dim " + hiddenDim + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads "
                + kvHeads + ", vocab_size " + vocabSize + ", seq_len " + seqLen;
    }

    ByteBuffer toBytes() {
        ByteBuffer b = ByteBuffer.allocate((int) BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(dim).putInt(hiddenDim).putInt(layers).putInt(heads).putInt(kvHeads).putInt(vocabSize).putInt(seqLen);
        return b.flip();
    }
}
