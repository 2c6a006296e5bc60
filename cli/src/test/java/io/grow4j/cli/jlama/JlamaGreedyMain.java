package io.grow4j.cli.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The forked JVM of {@link Jlama} (Jlama needs preview features and the Vector API): greedy ids of a Hugging Face
 * directory, from BOS (token 1), fed one token at a time through Jlama's forward pass and read from its logits, so no
 * tokenizer is involved. Prints "ids 461 ..." and "logits0 x y ..." (what Jlama's getLogits returns after BOS: the
 * softmax probabilities), then halts.
 *
 * <p>Args: the directory, the number of ids.
 */
public final class JlamaGreedyMain {
    private JlamaGreedyMain() {
    }

    public static void main(String[] args) {
        File dir = new File(args[0]);
        int steps = Integer.parseInt(args[1]);
        AbstractModel model = ModelSupport.loadModel(dir, DType.F32, DType.F32);
        List<Integer> ids = new ArrayList<>();
        float[] first = null;
        try (KvBufferCache cache = new KvBufferCache(model)) {
            KvBufferCache.KvBuffer kv = cache.getEphemeralKvBuffer();
            int token = 1;
            for (int pos = 0; pos < steps; pos++) {
                AbstractTensor out = model.forward(token, pos, kv, Optional.empty());
                float[] logits = model.getLogits(out).clone();
                if (first == null) {
                    first = logits;
                }
                token = argmax(logits);
                ids.add(token);
            }
        }
        System.out.println("ids " + ids.stream().map(String::valueOf).collect(Collectors.joining(" ")));
        StringBuilder s = new StringBuilder("logits0");
        for (float f : first) {
            s.append(' ').append(f);
        }
        System.out.println(s);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** The first largest entry, as grow4j's greedy sampler breaks ties. */
    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
