package io.grow4j.cli;

import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grow4j bench growth}: what growth costs as models grow. Synthetic Llama-shaped bf16 checkpoints from about
 * 10 M parameters up to --max-params (fewer when the disk is short), each grown by the same kind of plan streamed
 * (directory to directory) and in memory, each beside its physical floor measured in the same run.
 */
@Command(name = "growth", description = {"Growth overhead at scale: synthetic Llama-shaped bf16 checkpoints from"
        + " about 10 M parameters up to --max-params, grown streamed (against cp -r of the output) and in memory"
        + " (against one memory copy of the grown bytes). Plan per size: MLP x1.25, then a quarter more layers.",
        "Needs about 3.3x the largest model's size in free disk under --dir."})
final class GrowthBenchCommand implements Callable<Integer> {
    @Option(names = "--max-params", paramLabel = "P", defaultValue = "1B", converter = ByteSizes.Count.class,
            description = "largest model, in parameters (default: ${DEFAULT-VALUE}, a 1.9 GB bf16 checkpoint)")
    long maxParams;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON (default: table only)")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE.png", 
            description = "also draw seconds against size as a PNG (default: no plot)")
    Path plot;

    @Option(names = "--dir", paramLabel = "DIR", description = "where to write the checkpoints (default: the"
            + " system temporary directory); everything written there is removed")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path base = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Path work = Files.createTempDirectory(base, "grow4j-bench-growth-");
        try {
            List<GrowthBenchRow> rows = run(work, out);
            GrowthBenchReport report = new GrowthBenchReport(rows, "MLP x1.25, layers +25%");
            report.printTable(out);
            if (json != null) {
                report.writeJson(json);
                out.println("wrote " + json);
            }
            if (plot != null) {
                report.writePlot(plot);
                out.println("wrote " + plot);
            }
            out.flush();
            return Grow4j.OK;
        } finally {
            GrowthBench.delete(work);
        }
    }

    private List<GrowthBenchRow> run(Path work, PrintWriter out) throws IOException, InterruptedException {
        GrowthBench bench = new GrowthBench(work, memoryBudget());
        List<TransformerConfig> ladder = SyntheticCheckpoints.ladder(maxParams);
        if (ladder.isEmpty()) {
            throw new IllegalArgumentException("--max-params " + maxParams + " is below the smallest model ("
                    + SyntheticCheckpoints.llamaShaped(128).parameterCount() + " parameters)");
        }
        bench.measure(ladder.getFirst()); // warm-up: the JIT compiles the padding and copy paths
        List<GrowthBenchRow> rows = new ArrayList<>();
        for (TransformerConfig config : thin(ladder)) {
            long usable = Files.getFileStore(work).getUsableSpace();
            if (GrowthBench.diskNeeded(config) > usable) {
                out.printf("stopping before %s parameters: it needs %s of free disk, %s is free under %s%n",
                        SyntheticCheckpoints.label(config.parameterCount()),
                        ByteSizes.format(GrowthBench.diskNeeded(config)), ByteSizes.format(usable), work);
                break;
            }
            GrowthBenchRow row = bench.measure(config);
            out.printf("%s parameters: streamed %.2f s, cp %.2f s, in memory %.2f s, memcpy %.2f s%n",
                    SyntheticCheckpoints.label(row.params()), row.streamSeconds(), row.cpSeconds(),
                    row.memorySeconds(), row.memcpySeconds());
            out.flush();
            rows.add(row);
            System.gc(); // in-memory models live in auto arenas: let their native memory go before the next size
        }
        return rows;
    }

    /** About two sizes per doubling of parameters, so a run to 7 B stays within an hour. */
    private static List<TransformerConfig> thin(List<TransformerConfig> ladder) {
        List<TransformerConfig> kept = new ArrayList<>();
        for (TransformerConfig c : ladder) {
            if (kept.isEmpty() || c.parameterCount() >= 1.4 * kept.getLast().parameterCount()
                    || c == ladder.getLast()) {
                kept.add(c);
            }
        }
        return kept;
    }

    /** Half of physical memory: the in-memory path holds the source, the grown model and the copy at once. */
    private static long memoryBudget() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() / 2;
    }
}
