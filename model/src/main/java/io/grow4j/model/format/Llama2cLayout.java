package io.grow4j.model.format;

import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where each tensor sits in a llama2.c version-0 file. The file stacks each per-layer weight over all layers
 * ([layers, rows, cols]); a span is one layer's slice, so errors can name "layers.3.wq". Shapes come from
 * {@link Role#shape}, which already says [out, in] as llama2.c stores them.
 */
final class Llama2cLayout {
    /** The sections in file order, with llama2.c's field names. Roles without a section are not stored. */
    enum Section {
        TOKEN_EMBEDDING_TABLE("token_embedding_table", Role.TOKEN_EMBEDDING),
        RMS_ATT_WEIGHT("rms_att_weight", Role.ATTENTION_NORM),
        WQ("wq", Role.WQ),
        WK("wk", Role.WK),
        WV("wv", Role.WV),
        WO("wo", Role.WO),
        RMS_FFN_WEIGHT("rms_ffn_weight", Role.MLP_NORM),
        W1("w1", Role.W_GATE),
        W2("w2", Role.W_DOWN),
        W3("w3", Role.W_UP),
        RMS_FINAL_WEIGHT("rms_final_weight", Role.FINAL_NORM),
        /** cos of the RoPE angles [seq_len, head_size/2]; run.c ignores it, we recompute it on write. */
        FREQ_CIS_REAL("freq_cis_real", null),
        /** sin of the RoPE angles [seq_len, head_size/2]. */
        FREQ_CIS_IMAG("freq_cis_imag", null),
        /** Present only when untied (negative vocab_size). */
        WCLS("wcls", Role.OUTPUT);

        private final String fieldName;
        private final Role role;

        Section(String fieldName, Role role) {
            this.fieldName = fieldName;
            this.role = role;
        }

        Role role() {
            return role;
        }
    }

    /** One stored tensor (or one layer's slice of a stacked one) at [begin, end) in the file, float32. */
    record Span(Section section, int layer, long begin, long[] shape) {
        long end() {
            return begin + Tensor.elementCount(shape) * Float.BYTES;
        }

        /** The model tensor it holds; null for the freq_cis tables. */
        TensorKey key() {
            if (section.role == null) {
                return null;
            }
            return section.role.perLayer() ? TensorKey.of(section.role, layer) : TensorKey.global(section.role);
        }

        String name() {
            return layer < 0 ? section.fieldName : "layers." + layer + "." + section.fieldName;
        }
    }

    private Llama2cLayout() {
    }

    /** Every span of a file for {@code config}, in file order, starting right after the header. */
    static List<Span> spans(TransformerConfig config) {
        List<Span> spans = new ArrayList<>();
        long offset = Llama2cHeader.BYTES;
        for (Section section : Section.values()) {
            Role role = section.role;
            if (role != null && !role.presentIn(config)) {
                continue;
            }
            long[] shape = role != null ? role.shape(config) : freqShape(config);
            int[] layers = role != null && role.perLayer() ? IntStream.range(0, config.layers()).toArray() : new int[] {-1};
            for (int layer : layers) {
                Span span = new Span(section, layer, offset, shape);
                spans.add(span);
                offset = span.end();
            }
        }
        return spans;
    }

    /**
     * Bytes of a whole file for {@code config}, without listing its spans: a header may claim 2^31 - 1 layers, and the
     * size must be compared with the file before anything is made per layer.
     *
     * @throws ArithmeticException the sizes overflow 64 bits (a corrupt header)
     */
    static long fileBytes(TransformerConfig config) {
        long end = Llama2cHeader.BYTES;
        for (Section section : Section.values()) {
            end = Math.addExact(end, Math.multiplyExact(spanBytes(section, config), spanCount(section, config)));
        }
        return end;
    }

    /** The span holding byte {@code offset} of a file for {@code config} (after the header and before its end). */
    static Span spanAt(TransformerConfig config, long offset) {
        long begin = Llama2cHeader.BYTES;
        for (Section section : Section.values()) {
            long bytes = spanBytes(section, config);
            int count = spanCount(section, config);
            if (bytes > 0 && offset < begin + bytes * count) {
                int index = (int) ((offset - begin) / bytes);
                boolean perLayer = section.role != null && section.role.perLayer();
                return new Span(section, perLayer ? index : -1, begin + index * bytes, shape(section, config));
            }
            begin += bytes * count;
        }
        throw new IllegalArgumentException("offset " + offset + " is past the last tensor, which ends at " + begin);
    }

    private static long spanBytes(Section section, TransformerConfig config) {
        if (section.role != null && !section.role.presentIn(config)) {
            return 0;
        }
        return Math.multiplyExact(Tensor.elementCount(shape(section, config)), (long) Float.BYTES);
    }

    private static int spanCount(Section section, TransformerConfig config) {
        return section.role != null && section.role.perLayer() ? config.layers() : 1;
    }

    private static long[] shape(Section section, TransformerConfig config) {
        return section.role != null ? section.role.shape(config) : freqShape(config);
    }

    static long[] freqShape(TransformerConfig config) {
        return new long[] {config.maxSeqLen(), config.attention().keySize() / 2};
    }
}
