package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arbitrary entries that come out zero (their reference has no spread) are reported, not silently left. */
class GrowerNotesTest {

    @Test
    void zeroSpreadReferencesAreNoted() {
        TransformerConfig config = TestConfigs.generic(Activation.RELU, true);
        Model model = RandomModels.create(config, DType.F64, 1);
        Tensor bias = model.tensor(Role.B_UP, 0);
        for (long i = 0; i < bias.size(); i++) {
            bias.set(i, 0.0); // biases initialised at zero and never trained
        }
        Grower grower = new Grower(new CpuPadKernel());
        grower.grow(model, new GrowthPlan(1, List.of(new MlpExpansion(config.mlp().size() + 5))));
        List<String> notes = grower.notes();
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("step 1: new entries of layers.0.b_up are all zero"), notes.get(0));
    }

    @Test
    void ordinaryModelsGetNoNotes() {
        TransformerConfig config = TestConfigs.generic(Activation.RELU, true);
        Grower grower = new Grower(new CpuPadKernel());
        grower.grow(RandomModels.create(config, DType.F64, 1),
                new GrowthPlan(1, List.of(new MlpExpansion(config.mlp().size() + 5))));
        assertEquals(List.of(), grower.notes());
    }
}
