package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.TransformerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Print a model's family, sizes and parameter count.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "the model to describe: " + Formats.MODELS_READ)
    Path model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Model m = ModelFiles.read(model, spec.commandLine().getOut());
        print(spec.commandLine().getOut(), model.toString(), m);
        return Grow4j.OK;
    }

    static void print(PrintWriter out, String name, Model m) {
        TransformerConfig c = m.config();
        DType dtype = m.dtype();
        out.println("model        " + name);
        out.println("family       " + c.architecture().id());
        out.println("parameters   " + String.format("%,d", m.parameterCount()));
        out.println("dtype        " + (dtype == null ? "mixed" : dtype));
        out.println("vocab        " + c.vocabSize());
        out.println("hidden       " + c.hidden());
        out.println("layers       " + c.layers());
        out.println("heads        " + c.attention().queryHeads() + " query, " + c.attention().kvHeads() + " key/value");
        out.println("head size    " + c.attention().keySize() + " key/query, " + c.attention().valueSize() + " value");
        out.println("mlp          " + (c.mlp().experts() > 0 ? c.mlp().experts() + " experts of " : "")
                + c.mlp().size() + " (" + c.mlp().activation().name().toLowerCase() + ")"
                + (c.mlp().experts() > 0 ? ", top-" + c.mlp().topK() + " routed" : ""));
        out.println("norm         " + (c.normKind() == NormKind.RMS ? "RMSNorm" : "LayerNorm") + ", "
                + switch (c.normPlacement()) {
                    case PRE -> "before each block";
                    case POST_BRANCH -> "after each branch, inside the residual";
                    case POST_RESIDUAL -> "after each residual add";
                } + ", eps " + c.normEps());
        out.println("attention    " + (c.causal() ? "causal" : "bidirectional") + switch (c.architecture().qkNorm()) {
            case NONE -> "";
            case PER_HEAD -> ", QK-norm per head";
            case WHOLE_PROJECTION -> ", QK-norm over the whole projection";
        });
        if (c.typeVocabSize() > 0) {
            out.println("token types  " + c.typeVocabSize());
        }
        out.println("positions    " + positions(c.positions()));
        out.println("max sequence " + c.maxSeqLen());
        out.println("biases       attention " + c.attention().bias() + ", mlp " + c.mlp().bias());
        out.println("output       " + (!c.architecture().languageModelHead() ? "hidden states"
                : c.tiedEmbeddings() ? "logits, head tied to the embeddings" : "logits, untied head"));
        out.flush();
    }

    private static String positions(Positions p) {
        return switch (p) {
            case Positions.Rope rope -> "RoPE, theta " + rope.theta() + ", " + rope.layout().name().toLowerCase()
                    .replace('_', '-') + " pairs";
            case Positions.Learned learned -> "learned";
        };
    }
}
