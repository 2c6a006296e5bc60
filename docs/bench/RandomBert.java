import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;

import java.nio.file.Path;

/**
 * Writes a random BERT-base-shaped model (vocab 30522, hidden 768, 12 layers of 12 heads, MLP 3072, 512 positions,
 * two token types, pooler; 110 M parameters) as a Hugging Face directory, for the encoder benchmarks in
 * BENCHMARKS.md. Run from the repository root after ./grow4j has built the jar:
 * <pre>
 *   java -cp cli/target/grow4j.jar docs/bench/RandomBert.java OUT_DIR F32|BF16|F16
 * </pre>
 */
public class RandomBert {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RandomBert OUT_DIR F32|BF16|F16");
            System.exit(2);
        }
        TransformerConfig bertBase = new TransformerConfig(Architecture.BERT, 30522, 768, 12, 512,
                new AttentionConfig(12, 12, 64, 64, true), new MlpConfig(3072, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2, true);
        new HfDirectoryFormat().write(RandomModels.create(bertBase, DType.valueOf(args[1]), 7), Path.of(args[0]));
    }
}
