package io.grow4j.model.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixtral directories: every expert's w1/w2/w3 stored apart (HF names), read back into the stacked roles bit for
 * bit; config.json's expert counts, their transformers defaults and carried router fields; inconsistent files
 * refused with the names.
 */
class MixtralFormatTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static TransformerConfig mixtral(int experts, int topK) {
        return new TransformerConfig(Architecture.MIXTRAL, 33, 16, 2, 16, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(28, Activation.SWIGLU, false).withExperts(experts, topK), 1e-5,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), false);
    }

    @Test
    void expertsAreStoredApartAndReadBackStacked() throws IOException {
        Model model = RandomModels.create(mixtral(4, 2), DType.F32, 3);
        Path out = dir.resolve("m");
        format.write(model, out);
        Model back = format.read(out);
        assertEquals(model.config(), back.config());
        for (Map.Entry<TensorKey, Tensor> e : model.tensors().entrySet()) {
            Tensor got = back.tensor(e.getKey());
            for (long i = 0; i < got.size(); i++) {
                assertEquals(e.getValue().get(i), got.get(i), e.getKey() + " at " + i);
            }
        }
        assertEquals(3, back.tensor(Role.EXPERT_GATE, 1).rank());
    }

    @Test
    void expertCountsDefaultAsTransformersAndRouterFieldsAreCarried() throws IOException {
        Path out = dir.resolve("d");
        format.write(RandomModels.create(mixtral(8, 2), DType.F32, 3), out);
        editConfig(out, c -> {
            c.remove("num_local_experts");
            c.remove("num_experts_per_tok");
            c.put("router_aux_loss_coef", 0.02);
        });
        Model read = format.read(out);
        assertEquals(8, read.config().mlp().experts());
        assertEquals(2, read.config().mlp().topK());
        Path again = dir.resolve("again");
        format.write(read, again);
        assertTrue(Files.readString(again.resolve("config.json")).contains("\"router_aux_loss_coef\" : 0.02"));
    }

    @Test
    void inconsistentFilesAreRefusedWithTheNames() throws IOException {
        Path out = dir.resolve("bad");
        format.write(RandomModels.create(mixtral(4, 2), DType.F32, 3), out);
        editConfig(out, c -> c.put("num_experts_per_tok", 5));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("num_experts_per_tok 5 exceeds num_local_experts 4"), e.getMessage());
        editConfig(out, c -> {
            c.put("num_experts_per_tok", 2);
            c.put("num_local_experts", 5);
        });
        e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("missing model.layers.0.block_sparse_moe.experts.4.w1.weight"),
                e.getMessage());
        assertTrue(e.getMessage().contains("model.layers.0.block_sparse_moe.gate.weight in model.safetensors:"
                + " expected shape [5, 16], got [4, 16]"), e.getMessage());
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode config = (ObjectNode) SafetensorsFile.JSON.readTree(file.toFile());
        edit.accept(config);
        Files.writeString(file, config.toString());
    }
}
