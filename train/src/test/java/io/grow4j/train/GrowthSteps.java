package io.grow4j.train;

import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;

import java.util.List;

/** One step of every kind the training tests grow by, for a model of hidden 8, 4 query heads on 2 kv groups. */
final class GrowthSteps {
    private GrowthSteps() {
    }

    static List<GrowthStep> everyKind() {
        return List.of(new MlpExpansion(20), new HeadAddition(2, false), new HeadAddition(2, true),
                new HeadDimExpansion(4), new HiddenExpansion(12),
                new LayerAddition(1, List.of(1)));
    }
}
