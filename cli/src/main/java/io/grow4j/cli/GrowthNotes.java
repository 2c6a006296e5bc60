package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.RoundingNotes;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints "note:" lines for values a plan computes that the storage dtype rounds (rescaled gains, 1/m readers, mean
 * fills in F32/F16/BF16), as {@link ModelFiles} prints a format's read notes, so growth is never inexact silently.
 * For commands that grow: call before or after growing, with the model in memory or a streamed checkpoint.
 */
final class GrowthNotes {
    private GrowthNotes() {
    }

    /** @param output the uniform dtype asked for (--dtype), or null to store each tensor as growth does */
    static void printRounding(PrintWriter out, Model model, GrowthPlan plan, DType output) {
        print(out, RoundingNotes.of(model, plan, output));
    }

    static void printRounding(PrintWriter out, HfCheckpoint source, GrowthPlan plan) {
        Map<TensorKey, DType> dtypes = new HashMap<>();
        source.tensors().forEach((key, location) -> dtypes.put(key, location.dtype()));
        print(out, RoundingNotes.of(source.config(), dtypes, plan));
    }

    static void printRounding(PrintWriter out, GgufCheckpoint source, GrowthPlan plan) {
        print(out, RoundingNotes.of(source.config(), source.dtypes(), plan));
    }

    private static void print(PrintWriter out, List<String> notes) {
        for (String note : notes) {
            out.println("note: " + note);
        }
        out.flush();
    }
}
