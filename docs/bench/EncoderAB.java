import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.forward.EncoderForward;
import io.grow4j.model.Model;
import io.grow4j.model.format.HfDirectoryFormat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The encoder pass in one JVM, interleaved round by round: the float-array path (the cpu backend behind a plain
 * KernelBackend, so every matrix is copied to float32 on first use: what EncoderForward did before session 5),
 * weights read in place one sequence at a time, and in place with the batch's sequences together (what verify runs).
 * MODEL_DIR is a Hugging Face BERT directory, e.g. from RandomBert.java; 4 sequences × 32 tokens as verify's defaults.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cli/target/grow4j.jar docs/bench/EncoderAB.java MODEL_DIR ROUNDS</pre>
 */
public class EncoderAB {
    public static void main(String[] args) throws Exception {
        Model model = new HfDirectoryFormat().read(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        int sequences = 4, length = 32;
        SplittableRandom r = new SplittableRandom(1234);
        int[][] tokens = new int[sequences][];
        for (int s = 0; s < sequences; s++) tokens[s] = r.ints(length, 0, model.config().vocabSize()).toArray();
        int[][] types = new int[sequences][length];
        try (CpuKernels cpu = new CpuKernels()) {
            KernelBackend arrays = (KernelBackend) Proxy.newProxyInstance(KernelBackend.class.getClassLoader(),
                    new Class<?>[] {KernelBackend.class}, (p, m, a) -> {
                        try { return m.invoke(cpu, a); } catch (InvocationTargetException e) { throw e.getCause(); }
                    });
            long t0 = System.nanoTime();
            EncoderForward old = new EncoderForward(model, arrays);
            for (int s = 0; s < sequences; s++) old.hiddenStates(tokens[s], types[s]);
            System.out.printf("array path first pass (incl. float copies): %.2f s%n", (System.nanoTime() - t0) / 1e9);
            EncoderForward inPlace = new EncoderForward(model, cpu);
            double[] sum = new double[3];
            for (int round = 0; round < rounds; round++) {
                long a = System.nanoTime();
                for (int s = 0; s < sequences; s++) old.hiddenStates(tokens[s], types[s]);
                long b = System.nanoTime();
                for (int s = 0; s < sequences; s++) inPlace.hiddenStates(tokens[s], types[s]);
                long c = System.nanoTime();
                inPlace.hiddenStates(tokens, types);
                long d = System.nanoTime();
                if (round > 0) { sum[0] += (b - a) / 1e9; sum[1] += (c - b) / 1e9; sum[2] += (d - c) / 1e9; }
                System.out.printf("round %d: arrays %.3f s, in place %.3f s, in place batched %.3f s (load %s)%n", round,
                        (b - a) / 1e9, (c - b) / 1e9, (d - c) / 1e9,
                        java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            }
            System.out.printf("mean over rounds 1..: arrays %.3f, in place %.3f (%.2f x), batched %.3f (%.2f x)%n",
                    sum[0] / (rounds - 1), sum[1] / (rounds - 1), sum[0] / sum[1], sum[2] / (rounds - 1), sum[0] / sum[2]);
        }
    }
}
