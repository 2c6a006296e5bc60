package io.grow4j.kernels.forward;

/**
 * Mixtral's routing rule (HF transformers modeling_mixtral.py, MixtralSparseMoeBlock): softmax of the router logits
 * over all experts, the k largest chosen, their probabilities renormalised to sum to one. Shared by the float pass
 * and the double reference so both choose the same experts.
 */
public final class Routing {
    private Routing() {
    }

    /**
     * The k experts with the largest logits, largest first. Ties go to the lower expert index, so the choice is
     * deterministic (with identical experts, as after upcycling, any choice among ties gives the same output).
     *
     * @param logits one router logit per expert
     * @param k      how many to choose, 1..logits.length
     */
    public static int[] topK(double[] logits, int k) {
        int[] chosen = new int[k];
        boolean[] taken = new boolean[logits.length];
        for (int slot = 0; slot < k; slot++) {
            int best = -1;
            for (int e = 0; e < logits.length; e++) {
                if (!taken[e] && (best < 0 || logits[e] > logits[best])) {
                    best = e;
                }
            }
            taken[best] = true;
            chosen[slot] = best;
        }
        return chosen;
    }

    /**
     * The weights of the chosen experts: softmax over all logits, then divided by the chosen ones' sum (so they sum
     * to one up to rounding).
     */
    public static double[] weights(double[] logits, int[] chosen) {
        return weights(logits, chosen, true);
    }

    /**
     * The chosen experts' softmax probabilities over all logits, renormalised over the chosen when
     * {@code renormalise} (Mixtral always, Qwen2-MoE when norm_topk_prob); otherwise they sum to less than one.
     */
    public static double[] weights(double[] logits, int[] chosen, boolean renormalise) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double total = 0;
        for (double l : logits) {
            total += Math.exp(l - max);
        }
        double[] w = new double[chosen.length];
        double chosenSum = 0;
        for (int i = 0; i < chosen.length; i++) {
            w[i] = Math.exp(logits[chosen[i]] - max) / total;
            chosenSum += w[i];
        }
        for (int i = 0; i < w.length && renormalise; i++) {
            w[i] /= chosenSum;
        }
        return w;
    }
}
