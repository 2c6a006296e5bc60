package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json's RoPE scaling (both transformers spellings), Llama's attention_bias / mlp_bias / head_dim, and persisted
 * rotary_emb.inv_freq buffers: read, written back, and refused with the field named when they do not fit.
 */
class HfRopeScalingTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    /** head_dim 8 where hidden / heads is 6, as Llama 3.2 configs give it. */
    private static TransformerConfig config(RopeScaling scaling, boolean biases) {
        return new TransformerConfig(Architecture.LLAMA, 32, 24, 1, 64, new AttentionConfig(4, 2, 8, 8, biases),
                new MlpConfig(20, Activation.SWIGLU, biases), 1e-5,
                new Positions.Rope(500000, RopeLayout.HALF_SPLIT, scaling), true);
    }

    private Path write(TransformerConfig config, String name) throws IOException {
        Path out = dir.resolve(name);
        format.write(RandomModels.create(config, DType.F32, 3), out);
        return out;
    }

    private static void editConfig(Path out, Consumer<ObjectNode> edit) throws IOException {
        Path file = out.resolve("config.json");
        ObjectNode json = (ObjectNode) SafetensorsFile.JSON.readTree(file.toFile());
        edit.accept(json);
        Files.writeString(file, json.toString());
    }

    @Test
    void everyScalingTypeSurvivesWritingAndReading() throws IOException {
        List<RopeScaling> scalings = List.of(new RopeScaling.Linear(2), new RopeScaling.Dynamic(4, 32),
                new RopeScaling.Llama3(32, 1, 4, 8192),
                new RopeScaling.Yarn(4, 32, 16.0, 2.0, null, 0.707, 0.707, false),
                new RopeScaling.LongRope(List.of(1.0, 1.5, 2.0, 3.0), List.of(4.0, 5.0, 6.0, 7.0), 16, 4.0, 1.2));
        for (RopeScaling scaling : scalings) {
            Path out = write(config(scaling, true), scaling.type());
            Model read = format.read(out);
            assertEquals(scaling, ((Positions.Rope) read.config().positions()).scaling(), scaling.type());
            assertEquals(8, read.config().attention().keySize());
            assertTrue(read.config().mlp().bias() && read.config().attention().outputBias());
            String json = Files.readString(out.resolve("config.json"));
            assertTrue(json.contains("\"rope_type\" : \"" + scaling.type() + "\""), json);
            assertTrue(json.contains("\"mlp_bias\" : true") && json.contains("\"head_dim\" : 8"), json);
        }
    }

    /** transformers 4.x's "type" key, 5.x's rope_parameters with rope_theta inside, Phi-3's top-level original. */
    @Test
    void allSpellingsRead() throws IOException {
        Path out = write(config(RopeScaling.NONE, false), "spellings");
        editConfig(out, c -> c.remove("rope_theta"));
        editConfig(out, c -> c.putObject("rope_parameters").put("rope_type", "llama3").put("rope_theta", 500000.0)
                .put("factor", 8.0).put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 16));
        assertEquals(new Positions.Rope(500000, RopeLayout.HALF_SPLIT, new RopeScaling.Llama3(8, 1, 4, 16)),
                format.read(out).config().positions());

        editConfig(out, c -> {
            c.remove("rope_parameters");
            c.put("rope_theta", 500000.0);
            c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
        });
        assertEquals(new RopeScaling.Linear(2), scaling(format.read(out)));

        editConfig(out, c -> {
            c.put("original_max_position_embeddings", 16);
            ObjectNode s = c.putObject("rope_scaling").put("type", "longrope");
            s.putArray("short_factor").add(1.0).add(1.0).add(2.0).add(2.0);
            s.putArray("long_factor").add(3).add(3).add(4).add(4);
        });
        assertEquals(new RopeScaling.LongRope(List.of(1.0, 1.0, 2.0, 2.0), List.of(3.0, 3.0, 4.0, 4.0), 16, null,
                null), scaling(format.read(out)));
    }

    private static RopeScaling scaling(Model model) {
        return ((Positions.Rope) model.config().positions()).scaling();
    }

    @Test
    void badScalingsAreRefusedNamingTheField() throws IOException {
        Path out = write(config(RopeScaling.NONE, false), "bad");
        editConfig(out, c -> c.putObject("rope_scaling").put("rope_type", "ntk-by-parts").put("factor", 2.0));
        assertMessage(out, "rope_scaling.rope_type 'ntk-by-parts' is unknown (known: default, linear, llama3, "
                + "dynamic, yarn, longrope)");

        editConfig(out, c -> {
            ObjectNode s = c.putObject("rope_scaling").put("rope_type", "longrope");
            s.putArray("short_factor").add(1.0).add(1.0).add(2.0);
            s.putArray("long_factor").add(3).add(3).add(4).add(4);
        });
        assertMessage(out, "rope_scaling.short_factor has 3 entries, but a head of size 8 has 4 rotary pairs "
                + "(head_dim 8)");

        editConfig(out, c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("beta", 3));
        assertMessage(out, "missing rope_scaling.original_max_position_embeddings");
        assertMessage(out, "rope_scaling has fields [beta] that llama3 scaling does not use");

        editConfig(out, c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", -1.0));
        assertMessage(out, "rope_scaling.factor must be a positive number, got -1.0");
    }

    /** Issue 9, bad input: a per-layer list that does not match the layer count is refused, not resized later. */
    @Test
    void aLayerTypesListOfTheWrongLengthIsRefused() throws IOException {
        Path out = write(config(RopeScaling.NONE, false), "layer-types");
        int layers = format.read(out).config().layers();
        editConfig(out, c -> c.putArray("layer_types").add("full_attention").add("full_attention"));
        assertMessage(out, "layer_types has 2 entries, but num_hidden_layers is " + layers + " (one per layer)");
    }

    private void assertMessage(Path out, String expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains(expected), expected + " in " + e.getMessage());
    }

    /** The paper's decoder has no scaling field: refused rather than dropped. */
    @Test
    void genericConfigRefusesScaling() {
        TransformerConfig generic = new TransformerConfig(Architecture.GENERIC, 32, 16, 1, 16,
                new AttentionConfig(4, 4, 4, 4, false), new MlpConfig(20, Activation.RELU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED, new RopeScaling.Linear(2)), false);
        assertEquals(List.of("the grow4j-generic config has no RoPE scaling field; this model uses linear, factor 2.0"),
                format.writeProblems(generic));
    }

    /** Buffers that agree are accepted (and noted as dropped); one that disagrees is named. */
    @Test
    void persistedInvFreqBuffersAreCheckedAgainstTheConfig() throws IOException {
        TransformerConfig config = config(new RopeScaling.Llama3(8, 1, 4, 16), false);
        Model model = RandomModels.create(config, DType.F32, 3);
        Path out = dir.resolve("buffers");
        format.write(model, out);
        double[] inv = RopeFrequencies.of(config).inverseFrequencies(0);
        Tensor good = Tensor.allocate(DType.F32, inv.length);
        for (int i = 0; i < inv.length; i++) {
            good.set(i, (float) inv[i]);
        }
        rewriteWeights(out, model, "model.layers.0.self_attn.rotary_emb.inv_freq", good);
        Model read = format.read(out);
        assertEquals(List.of("1 rotary_emb.inv_freq buffer agree with config.json's RoPE and will not be written"
                + " (transformers recomputes them)"), format.readNotes(read));
        assertEquals(format.readNotes(read), HfCheckpoint.open(out).notes(), "streamed growth says it too");
        Path again = dir.resolve("again");
        format.write(read, again);
        String header = Files.readString(again.resolve(SafetensorsCheckpoint.SINGLE), StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("model.norm.weight") && !header.contains("inv_freq"), "the buffer is dropped");

        Tensor plain = Tensor.allocate(DType.F32, inv.length);
        for (int i = 0; i < inv.length; i++) {
            plain.set(i, (float) Math.pow(500000, -2.0 * i / 8));
        }
        rewriteWeights(out, model, "model.rotary_emb.inv_freq", plain);
        assertMessage(out, "model.rotary_emb.inv_freq[0] = 1.0 disagrees with 0.576");
        assertMessage(out, "from rope_theta and the RoPE scaling in config.json");
        assertThrows(CheckpointException.class, () -> HfCheckpoint.open(out));
    }

    private static void rewriteWeights(Path out, Model model, String bufferName, Tensor buffer) throws IOException {
        HfFamily family = HfFamily.forArchitecture(model.config().architecture());
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        family.storedTensors(model.config()).forEach(t -> tensors.put(t.name(), HfStorage.join(t, model)));
        tensors.put(bufferName, buffer);
        Path file = out.resolve(SafetensorsCheckpoint.SINGLE);
        Files.delete(file);
        SafetensorsWriter.write(file, tensors);
    }
}
