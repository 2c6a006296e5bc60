package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HiddenExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrowthNotesTest {
    private static final TransformerConfig BERT = new TransformerConfig(Architecture.BERT, 20, 8, 1, 8,
            new AttentionConfig(2, 2, 4, 4, true), new MlpConfig(16, Activation.GELU, true), 1e-12,
            new Positions.Learned(), false, 2);

    @TempDir
    Path dir;

    @Test
    void roundedRescalesArePrintedAsNotesForModelsAndCheckpoints() throws IOException {
        Model model = RandomModels.create(BERT, DType.BF16, 1);
        GrowthPlan plan = new GrowthPlan(1, List.of(new HiddenExpansion(24)));
        StringWriter fromModel = new StringWriter();
        GrowthNotes.printRounding(new PrintWriter(fromModel), model, plan, null);
        assertTrue(fromModel.toString().startsWith("note: step 1 (hidden): old entries scaled by 0.3333333333333333"
                + " kept in F32 (BF16 would round them by up to 3.9e-03"), fromModel.toString());
        StringWriter rounded = new StringWriter();
        GrowthNotes.printRounding(new PrintWriter(rounded), model, plan, DType.BF16);
        assertTrue(rounded.toString().startsWith("note: step 1 (hidden): old entries scaled by 0.3333333333333333"
                + " rounded to BF16"), rounded.toString());

        new HfDirectoryFormat().write(model, dir.resolve("bert"));
        StringWriter fromCheckpoint = new StringWriter();
        GrowthNotes.printRounding(new PrintWriter(fromCheckpoint), HfCheckpoint.open(dir.resolve("bert")), plan);
        assertEquals(fromModel.toString(), fromCheckpoint.toString());

        StringWriter exact = new StringWriter();
        GrowthNotes.printRounding(new PrintWriter(exact), model, new GrowthPlan(1, List.of(new HiddenExpansion(16))), null);
        assertEquals("", exact.toString());
    }
}
