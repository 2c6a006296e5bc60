package io.grow4j.bench;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.cpu.HandOff;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.model.DType;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Issue #10's decode and prefill targets measured side by side on a shared machine: for each thread count, in rounds
 * (A, B, C, ... then again), the read bandwidth on that many threads, greedy decoding of the random 110 M Llama with
 * F32 and with BF16 weights, the cpu matmul at 1024³, and the batched prefill of its 128 positions, all on a
 * {@link CpuKernels} of that many threads. Each round's ratios compare figures taken seconds apart, so load from
 * other processes moves both sides of a ratio; the medians over rounds are reported, by the wall clock and by the
 * process's CPU time over the threads (see {@link Clocks}).
 */
public final class DecodeBench {
    /** Untimed decoding steps of each session before its timed ones, and the timed steps. */
    static final int WARM_TOKENS = 8;
    static final int TIMED_TOKENS = 16;
    private static final int READ_RUNS = 3;
    private static final int MATMUL = 1024;
    private static final int MATMUL_RUNS = 5;

    /**
     * One round on one thread count (whose idle threads spin {@code spinMicros} before parking) by one clock ("wall"
     * or "cpu"): throughputs, and the ratios the targets are stated in. {@code f32WeightBytes} is what one
     * F32 decoding step reads.
     */
    public record Round(String clock, int threads, long spinMicros, double readGbps, double f32TokensPerSecond,
                        double bf16TokensPerSecond, double matmulGflops, double prefillGflops, long f32WeightBytes) {
        /** Effective weight bandwidth of F32 decoding (weight bytes per token × tokens/s), GB/s. */
        public double f32WeightGbps() {
            return f32WeightBytes * f32TokensPerSecond / 1e9;
        }

        public double ofRead() {
            return f32WeightGbps() / readGbps;
        }

        public double bf16OverF32() {
            return bf16TokensPerSecond / f32TokensPerSecond;
        }

        public double prefillOverMatmul() {
            return prefillGflops / matmulGflops;
        }
    }

    private final ForwardBench f32 = new ForwardBench(ForwardBench.Shape.LLAMA_110M, 1, DType.F32);
    private final ForwardBench bf16 = new ForwardBench(ForwardBench.Shape.LLAMA_110M, 1, DType.BF16);
    private final long readBytes;
    private final PrintStream log;

    /** @param readBytes the read-bandwidth buffer (1 GiB in the full bench: far above any last-level cache) */
    public DecodeBench(long readBytes, PrintStream log) {
        this.readBytes = readBytes;
        this.log = log;
    }

    /**
     * {@code rounds} rounds, each measuring every thread count of {@code threadCounts} in turn, counts above one once
     * per spin time of {@code spinMicros} (the hand-off's spin-then-park, A/B in the same rounds).
     */
    public List<Round> run(int rounds, int[] threadCounts, long[] spinMicros) {
        List<Round> out = new ArrayList<>();
        List<Side> sides = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(readBytes, 64);
            buffer.fill((byte) 1);
            for (int threads : threadCounts) {
                for (long spin : threads == 1 ? new long[] {0} : spinMicros) {
                    sides.add(new Side(threads, spin));
                }
            }
            sides.forEach(side -> side.warmUp(buffer));
            for (int r = 0; r < rounds; r++) {
                for (Side side : sides) {
                    for (Round round : side.measure(buffer)) {
                        log.println(line(r, round));
                        out.add(round);
                    }
                }
            }
        } finally {
            sides.forEach(s -> s.kernels.close());
        }
        return out;
    }

    /** One thread count's backend and passes, kept across rounds. */
    private final class Side {
        final CpuKernels kernels;
        final ForwardPass f32Pass;
        final ForwardPass bf16Pass;
        final ReadBandwidth read;
        final float[] a = KernelBench.random(MATMUL * MATMUL, 1);
        final float[] b = KernelBench.random(MATMUL * MATMUL, 2);
        final float[] c = new float[MATMUL * MATMUL];

        Side(int threads, long spinMicros) {
            kernels = new CpuKernels(threads, spinMicros * 1000);
            f32Pass = new ForwardPass(f32.model(), kernels);
            bf16Pass = new ForwardPass(bf16.model(), kernels);
            read = new ReadBandwidth(readBytes, threads);
        }

        /**
         * Untimed runs of everything a round times. The reads matter most: without them round 0's first read ran
         * cold (interpreted, then compiled mid-pass: 5-6 GB/s against 18-26 in later rounds).
         */
        void warmUp(MemorySegment buffer) {
            for (int i = 0; i < READ_RUNS; i++) {
                read.sum(buffer);
            }
            decode(f32Pass);
            decode(bf16Pass);
            f32.prefillSeconds(f32Pass);
            kernels.matmul(a, b, c, MATMUL, MATMUL, MATMUL);
        }

        /** Where the threads waited in the timed steps of the latest {@link #decode}. */
        HandOff decodeHandOff = HandOff.NONE;

        /** {wall, cpu} seconds of the timed steps of a fresh session, after its warm ones. */
        double[] decode(ForwardPass pass) {
            ForwardPass.Session session = pass.newSession();
            int token = ForwardBench.feed(session::next, WARM_TOKENS);
            HandOff before = kernels.handOff();
            double[] seconds = Clocks.time(() -> ForwardBench.feedFrom(session::next, token, TIMED_TOKENS));
            decodeHandOff = kernels.handOff().minus(before);
            return seconds;
        }

        /** The round's figures by the wall clock, then by the process's CPU time over the threads. */
        List<Round> measure(MemorySegment buffer) {
            double[] readSeconds = Clocks.median(READ_RUNS, () -> read.sum(buffer));
            double[] f32Seconds = decode(f32Pass);
            HandOff f32HandOff = decodeHandOff;
            double[] bf16Seconds = decode(bf16Pass);
            double[] matmulSeconds = Clocks.median(MATMUL_RUNS,
                    () -> kernels.matmul(a, b, c, MATMUL, MATMUL, MATMUL));
            double[] prefillSeconds = Clocks.time(() -> f32.prefillSeconds(f32Pass));
            List<Round> out = new ArrayList<>();
            for (int clock = 0; clock < Clocks.NAMES.length; clock++) {
                // CPU seconds of the process shared among the threads: what a dedicated core each would take.
                double scale = clock == 0 ? 1 : 1.0 / kernels.threads();
                out.add(new Round(Clocks.NAMES[clock], kernels.threads(), kernels.spinNanos() / 1000,
                        read.bytes() / (readSeconds[clock] * scale) / 1e9,
                        TIMED_TOKENS / (f32Seconds[clock] * scale), TIMED_TOKENS / (bf16Seconds[clock] * scale),
                        2.0 * MATMUL * MATMUL * MATMUL / (matmulSeconds[clock] * scale) / 1e9,
                        f32.prefillFlops() / (prefillSeconds[clock] * scale) / 1e9, f32.weightBytesPerToken()));
            }
            if (kernels.threads() > 1) {
                log.println(waits(f32HandOff, f32Seconds[0]));
            }
            return out;
        }
    }

    /** The hand-off's waits in f32 decoding, per token and as shares of the wall time. */
    static String waits(HandOff h, double wallSeconds) {
        double wall = wallSeconds * 1e9;
        return String.format(Locale.ROOT, "  f32 decode waits: %.1f parallel calls/token, %.0f%% of the wall in them;"
                        + " worker lag %.1f us/call (%.1f%% of the wall), caller wait %.1f us/call (%.1f%%);"
                        + " caller ran %.0f%% of the chunks", (double) h.calls() / TIMED_TOKENS,
                100 * h.callNanos() / wall, h.workerLagNanos() / 1e3 / h.calls(), 100 * h.workerLagNanos() / wall,
                h.callerWaitNanos() / 1e3 / h.calls(), 100 * h.callerWaitNanos() / wall,
                100.0 * h.callerChunks() / h.chunks());
    }

    static String line(int round, Round r) {
        return String.format(Locale.ROOT, "round %d, %d thread%s (spin %d us), %s clock: read %.2f GB/s; f32 decode %.2f tokens/s"
                        + " = %.2f GB/s = %.2f x read; bf16 %.2f tokens/s = %.2f x f32; matmul %.1f GFLOP/s,"
                        + " prefill %.1f GFLOP/s = %.2f x matmul", round, r.threads(), r.threads() == 1 ? "" : "s", r.spinMicros(),
                r.clock(), r.readGbps(), r.f32TokensPerSecond(), r.f32WeightGbps(), r.ofRead(),
                r.bf16TokensPerSecond(), r.bf16OverF32(), r.matmulGflops(), r.prefillGflops(), r.prefillOverMatmul());
    }

    /** Per clock and thread count, the median over rounds of each figure and of each round's ratios. */
    public static String summary(List<Round> rounds) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%-5s %-7s %5s %6s %9s %9s %8s %7s %10s %6s %8s %8s %8s%n", "clock", "threads", "spin", "rounds", "read GB/s",
                "f32 tok/s", "f32 GB/s", "x read", "bf16 tok/s", "x f32", "matmul", "prefill", "x matmul"));
        for (String clock : Clocks.NAMES) {
            rounds.stream().filter(r -> r.clock().equals(clock)).map(r -> List.of(r.threads(), r.spinMicros()))
                    .distinct().forEach(side -> {
                        List<Round> rs = rounds.stream().filter(r -> r.clock().equals(clock)
                                && List.of(r.threads(), r.spinMicros()).equals(side)).toList();
                        out.append(summaryLine(clock, rs));
                    });
        }
        return out.toString();
    }

    private static String summaryLine(String clock, List<Round> rs) {
        Round first = rs.getFirst();
        return String.format(Locale.ROOT, "%-5s %-7d %5d %6d %9.2f %9.2f %8.2f %7.2f %10.2f %6.2f %8.1f %8.1f %8.2f%n",
                clock, first.threads(), first.spinMicros(), rs.size(), med(rs, Round::readGbps),
                med(rs, Round::f32TokensPerSecond), med(rs, Round::f32WeightGbps), med(rs, Round::ofRead),
                med(rs, Round::bf16TokensPerSecond), med(rs, Round::bf16OverF32), med(rs, Round::matmulGflops),
                med(rs, Round::prefillGflops), med(rs, Round::prefillOverMatmul));
    }

    private static double med(List<Round> rounds, ToDoubleFunction<Round> figure) {
        return Clocks.median(rounds.stream().mapToDouble(figure).toArray());
    }
}
