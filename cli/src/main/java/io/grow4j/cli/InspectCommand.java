package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.NonFiniteCount;
import io.grow4j.model.Positions;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.AcceptedSteps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "inspect", description = "Print a model's family, sizes, parameter count and the growth steps it"
        + " accepts (with the reason for each refused one).")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "the model to describe: " + Formats.MODELS_READ)
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Model m = ModelFiles.read(model, spec.commandLine().getOut());
        // A GGUF file grows into a GGUF file and a directory into a directory (both stream by default): steps whose
        // result that format cannot hold are refused with the writer's reason, as grow refuses them. A llama2.c or
        // ONNX file usually grows into a directory (README), whose writer holds every family: the validator alone.
        ModelFormat format = ModelFormats.forInput(model);
        print(spec.commandLine().getOut(), model.toString(), m,
                format instanceof GgufFormat || format instanceof HfDirectoryFormat ? format : null);
        return Grow4j.OK;
    }

    static void print(PrintWriter out, String name, Model m) {
        print(out, name, m, null);
    }

    /** @param output the format the model grows into, whose write refusals count as refusals (null: none) */
    static void print(PrintWriter out, String name, Model m, ModelFormat output) {
        TransformerConfig c = m.config();
        DType dtype = m.dtype();
        out.println("model        " + name);
        out.println("family       " + c.architecture().id());
        out.println("parameters   " + String.format("%,d", m.parameterCount()));
        out.println("dtype        " + (dtype == null ? "mixed (" + dtypeCounts(m) + ")" : dtype));
        out.println("vocab        " + c.vocabSize());
        out.println("hidden       " + c.hidden());
        out.println("layers       " + c.layers());
        out.println("heads        " + c.attention().queryHeads() + " query, " + c.attention().kvHeads() + " key/value");
        out.println("head size    " + c.attention().keySize() + " key/query, " + c.attention().valueSize() + " value");
        out.println("mlp          " + (c.mlp().experts() > 0 ? c.mlp().experts() + " experts of " : "")
                + c.mlp().size() + " (" + c.mlp().activation().name().toLowerCase() + ")"
                + (c.mlp().experts() > 0 ? ", top-" + c.mlp().topK() + " routed" : "")
                + (c.mlp().experts() > 0 && !c.mlp().normTopK() ? " (weights not renormalised)" : "")
                + (c.architecture().sharedExpert() ? ", shared expert of " + c.mlp().sharedSize() : ""));
        out.println("norm         " + switch (c.normKind()) {
                    case RMS -> "RMSNorm";
                    case RMS_UNIT_OFFSET -> "RMSNorm with gain (1 + w)";
                    case LAYER -> "LayerNorm";
                } + ", " + switch (c.normPlacement()) {
                    case PRE -> "before each block";
                    case POST_BRANCH -> "after each branch, inside the residual";
                    case POST_RESIDUAL -> "after each residual add";
                    case SANDWICH -> "before and after each branch (sandwich), inside the residual";
                } + ", eps " + c.normEps());
        if (c.architecture().scaledEmbedding()) {
            out.println("embedding    x sqrt(hidden), in the embedding's dtype");
        }
        if (c.architecture().parallelResidual()) {
            out.println("residual     parallel: attention and MLP both read the block's input, x + attn(x) + mlp(x)");
        }
        out.println("attention    " + (c.causal() ? "causal" : "bidirectional") + switch (c.architecture().qkNorm()) {
            case NONE -> "";
            case PER_HEAD -> ", QK-norm per head";
            case WHOLE_PROJECTION -> ", QK-norm over the whole projection";
        } + AttentionShapeLines.scores(c));
        AttentionShapeLines.layers(c).ifPresent(line -> out.println("layer types  " + line));
        if (c.typeVocabSize() > 0) {
            out.println("token types  " + c.typeVocabSize());
        }
        out.println("positions    " + positions(c.positions(), c.attention().keySize()));
        out.println("max sequence " + c.maxSeqLen());
        out.println("biases       attention " + c.attention().bias() + ", mlp " + c.mlp().bias());
        out.println("output       " + (!c.architecture().languageModelHead() ? "hidden states"
                : c.tiedEmbeddings() ? "logits, head tied to the embeddings" : "logits, untied head")
                + (c.attentionShape().finalSoftCap() > 0 ? ", soft-capped at " + c.attentionShape().finalSoftCap()
                : ""));
        boolean layersWithoutRope = c.positions() instanceof Positions.Rope rope && !rope.nopeLayers().isEmpty();
        if (AttentionShapeLines.layers(c).isEmpty() && !layersWithoutRope) {
            out.println("layer types  every block has the same parts, " + (c.causal() ? "causal" : "bidirectional")
                    + " attention over all positions");
        }
        printSteps(out, m, output);
        printNonFinite(out, m);
        out.flush();
    }

    /**
     * The step kinds the plan validator accepts on this model, and for each refused one the sample step and the
     * validator's reasons ({@link AcceptedSteps}).
     */
    private static void printSteps(PrintWriter out, Model m, ModelFormat output) {
        List<AcceptedSteps.Verdict> verdicts = AcceptedSteps.of(m, output);
        out.println("accepts      " + verdicts.stream().filter(AcceptedSteps.Verdict::accepted)
                .map(v -> v.kind() + " " + v.sample()).collect(Collectors.joining(", ")));
        String label = "refuses      ";
        for (AcceptedSteps.Verdict v : verdicts) {
            if (!v.accepted()) {
                out.println(label + v.kind() + (v.sample().isEmpty() ? "" : " " + v.sample()) + ": "
                        + String.join("; ", v.reasons()));
                label = "             ";
            }
        }
    }

    /** "none", or one line per tensor holding NaN or infinite values, with its counts. */
    private static void printNonFinite(PrintWriter out, Model m) {
        SortedMap<TensorKey, NonFiniteCount> found = NonFiniteCount.perTensor(m.tensors());
        if (found.isEmpty()) {
            out.println("non-finite   none");
            return;
        }
        String label = "non-finite   ";
        for (Map.Entry<TensorKey, NonFiniteCount> e : found.entrySet()) {
            out.println(label + e.getKey() + ": " + e.getValue().describe() + " of "
                    + String.format("%,d", m.tensor(e.getKey()).size()) + " values");
            label = "             ";
        }
    }

    /** "BF16 × 20, F32 × 5": tensors per dtype of a mixed model (growth keeps rescaled half-precision ones in F32). */
    private static String dtypeCounts(Model m) {
        Map<DType, Long> counts = new TreeMap<>();
        m.tensors().values().forEach(t -> counts.merge(t.dtype(), 1L, Long::sum));
        StringBuilder s = new StringBuilder();
        counts.forEach((d, n) -> s.append(s.isEmpty() ? "" : ", ").append(d).append(" × ").append(n));
        return s + " tensors";
    }

    /** {@code keySize}: the head size a partial rotary fraction applies to. */
    private static String positions(Positions p, int keySize) {
        return switch (p) {
            case Positions.Rope rope -> "RoPE, theta " + rope.theta() + ", " + rope.layout().name().toLowerCase()
                    .replace('_', '-') + " pairs, scaling " + rope.scaling().describe()
                    + (rope.partial() ? ", partial rotary: the first " + rope.rotaryDims(keySize)
                    + " dims of each head (fraction " + rope.fraction() + ")" : "")
                    + (rope.nopeLayers().isEmpty() ? "" : ", no RoPE in layers " + rope.nopeLayers());
            case Positions.Learned learned -> "learned";
        };
    }
}
