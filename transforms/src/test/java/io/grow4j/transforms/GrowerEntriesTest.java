package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tensor the in-memory grower builds holds, entry by entry, what its recipe says (PadSpec.valueAt, rounded to
 * the dtype), on a model whose MLP and new-layer tensors are a mebibyte or more: those come from fresh mappings, a
 * new layer's output projections are left as the kernel's zero pages, and the fills' statistics are measured on the
 * pool while earlier tensors pad. Copied tensors are the source's own memory.
 */
class GrowerEntriesTest {

    @Test
    void largeTensorsHoldTheirRecipesEntries() {
        // gate/up/down 1024 x 256 f32 = 1 MiB, 1.25 MiB after the MLP step: the mapped path of FreshMemory
        TransformerConfig config = new TransformerConfig(Architecture.LLAMA, 37, 256, 2, 16,
                new AttentionConfig(4, 2, 64, 64, false), new MlpConfig(1024, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
        Model model = RandomModels.create(config, DType.F32, 3);
        List<GrowthStep> steps = List.of(new MlpExpansion(1280), new LayerAddition(1, List.of(1)));
        long seed = 20230911;
        Grower grower = new Grower(new CpuPadKernel());
        int checked = 0;
        int large = 0;
        for (int s = 0; s < steps.size(); s++) {
            GrowthStep step = steps.get(s);
            Model next = grower.applyStep(model, step, seed, s);
            for (TensorRecipe recipe : step.recipes(model.config(), next.config())) {
                Tensor grown = next.tensor(recipe.target());
                Tensor source = recipe.source() == null ? null : model.tensor(recipe.source());
                if (recipe.isCopy()) {
                    assertSame(source.data(), grown.data(), recipe + " shares its source");
                    continue;
                }
                Tensor reference = recipe.statsFrom() == null ? null : model.tensor(recipe.statsFrom());
                PadSpec spec = recipe.toPadSpec(FillResolver.resolve(recipe, reference, seed, s));
                if (recipe.rewrite() != null || spec.fill().readsSource()) {
                    continue;
                }
                assertEntries(recipe, spec, source, grown);
                checked++;
                large += grown.byteSize() >= 1 << 20 ? 1 : 0;
            }
            model = next;
        }
        assertTrue(checked >= 10, checked + " tensors checked");
        assertTrue(large >= 6, large + " tensors of a mebibyte or more");
    }

    private static void assertEntries(TensorRecipe recipe, PadSpec spec, Tensor source, Tensor grown) {
        DType dtype = grown.dtype();
        boolean sawNonZero = false;
        for (long i = 0, n = grown.size(); i < n; i++) {
            double expected = dtype.round(spec.valueAt(source, i));
            double actual = grown.get(i);
            if (expected != actual) { // == also takes a zero of either sign, which no statistic sees
                assertEquals(expected, actual, recipe + " entry " + i);
            }
            sawNonZero |= actual != 0;
        }
        assertEquals(!recipe.isZero(), sawNonZero, recipe + (recipe.isZero() ? " is all zero" : " has entries"));
    }
}
