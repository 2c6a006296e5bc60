package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.Tensor;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.GgufStreamWriter;
import io.grow4j.model.format.GgufValue;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SourceOverlap;
import io.grow4j.transforms.GrowthMemory;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * Grows a Hugging Face safetensors directory (one file or shards) into another, or a GGUF file into another GGUF
 * file ({@link #growGguf}), tensor by tensor, with memory bounded
 * by the largest tensor instead of the model: sources are mapped read-only a tensor at a time, output shards are
 * filled up to a size limit and the index is written last. The result is bit-identical to reading the model, growing
 * it with {@link io.grow4j.transforms.Grower} and writing it.
 *
 * <p>Safe output: everything is checked first (plan, output format, free disk) and written under a temporary sibling
 * of OUT that is renamed into place at the end; leftovers of killed runs are removed before starting.
 */
public final class StreamingGrower {
    private final PadKernel kernel;
    private final StreamOptions options;
    private final DiskSpace disk;

    public StreamingGrower(PadKernel kernel, StreamOptions options) {
        this(kernel, options, DiskSpace.SYSTEM);
    }

    StreamingGrower(PadKernel kernel, StreamOptions options, DiskSpace disk) {
        this.kernel = kernel;
        this.options = options;
        this.disk = disk;
    }

    /** Every reason {@code plan} cannot grow {@code source} into a directory; empty when it can. */
    public static List<String> problems(HfCheckpoint source, GrowthPlan plan) {
        // the plan's problems and the output's refusals of what its valid steps make, in one report
        GrowthPlan.Check check = plan.check(source.config());
        List<String> problems = new ArrayList<>(check.problems());
        if (problems.isEmpty()) {
            problems.addAll(GrowthMemory.streamedProblems(source.config(), plan));
        }
        TransformerConfig grown = check.config();
        String label = check.outputLabel("output directory");
        for (String p : source.writeProblemsFor(grown)) {
            problems.add(label + ": " + p);
        }
        if (!HfCheckpoint.storesAsIs(grown)) {
            problems.add(label + ": the family stores RoPE rows in another layout than " + grown.positions()
                    + "; streaming writes tensors as they are (grow in memory instead)");
        }
        return problems;
    }

    /**
     * Row-stacked output tensors (Phi-3's qkv_proj, GPT-NeoX's query_key_value) whose parts would grow into different
     * dtypes, e.g. a rescaled BF16 query kept in F32 beside BF16 keys: streaming writes each part as it is, so it
     * refuses them, while growth in memory joins them in one dtype. Empty when there are none, or when the plan
     * itself is refused ({@link #problems(HfCheckpoint, GrowthPlan)} says why).
     */
    public static List<String> mixedDtypeProblems(HfCheckpoint source, GrowthPlan plan) {
        if (!plan.problems(source.config()).isEmpty()) {
            return List.of();
        }
        PlanTrace trace = PlanTrace.of(plan, source.config(), HfSourceTensors.dtypes(source));
        return GrowthStream.mixedDtypeProblems(trace, HfCheckpoint.tensorParts(trace.config(trace.finalStage())),
                "output directory");
    }

    /** {@link #mixedDtypeProblems(HfCheckpoint, GrowthPlan)} for a GGUF file grown into a GGUF file. */
    public static List<String> mixedDtypeProblems(GgufCheckpoint source, GrowthPlan plan) {
        if (!plan.problems(source.config()).isEmpty()) {
            return List.of();
        }
        PlanTrace trace = PlanTrace.of(plan, source.config(), source.dtypes());
        return GrowthStream.mixedDtypeProblems(trace, GgufCheckpoint.tensorParts(trace.config(trace.finalStage())),
                "output GGUF");
    }

    /**
     * Grows the checkpoint directory {@code in} by {@code plan} into the new directory {@code out}.
     *
     * @throws PlanException the plan or the output format is refused (nothing written)
     * @throws IOException   the source is unreadable, the disk too small (nothing written), or writing failed (the
     *                       temporary output is removed, {@code out} does not appear)
     */
    public StreamResult grow(Path in, GrowthPlan plan, Path out, StreamProgress progress) throws IOException {
        checkDistinct(in, out);
        HfCheckpoint checkpoint = HfCheckpoint.open(in);
        PlanException.throwIfAny(problems(checkpoint, plan));
        try (SourceTensors source = new HfSourceTensors(checkpoint)) {
            PlanTrace trace = PlanTrace.of(plan, checkpoint.config(), source.dtypes());
            try (GrowthStream stream = new GrowthStream(trace, source, kernel, options.cacheBytes())) {
                PlanException.throwIfAny(stream.mixedDtypeProblems("output directory"));
                ShardPlan shards = ShardPlan.of(stream.outputEntries(), options.shardSize());
                AtomicOutput.removeStale(out);
                disk.require(out, shards.fileBytes() + checkpoint.carriedBytes());
                progress.start(shards.dataBytes(), shards.tensorCount());
                AtomicOutput.writeDirectory(out, dir -> stream.writeTo(dir, shards, checkpoint.extras(), progress));
                progress.finish();
                return new StreamResult(stream.grownConfig(), shards.tensorCount(), shards.shards().size(),
                        shards.dataBytes(), shards.fileBytes(), stream.copiedTensors(),
                        stream.appendedTensors(), stream.peakCacheBytes());
            }
        }
    }

    /** Every reason {@code plan} cannot grow {@code source} into a GGUF file streamed; empty when it can. */
    public static List<String> problems(GgufCheckpoint source, GrowthPlan plan) {
        GrowthPlan.Check check = plan.check(source.config());
        List<String> problems = new ArrayList<>(check.problems());
        if (problems.isEmpty()) {
            problems.addAll(GrowthMemory.streamedProblems(source.config(), plan));
        }
        String label = check.outputLabel("output GGUF");
        for (String p : GgufCheckpoint.writeProblems(check.config())) {
            problems.add(label + ": " + p);
        }
        return problems;
    }

    /**
     * Grows the GGUF file {@code in} by {@code plan} into the new GGUF file {@code out}: header, metadata (carried
     * through as {@link io.grow4j.model.format.GgufFormat#write} does, config keys updated) and tensor table first,
     * then each tensor's data as it is produced. Float tensors that do not change are copied file to file; quantized
     * source tensors are decoded to float32 one at a time. Bit-identical to reading the file, growing it in memory and
     * writing it.
     *
     * @throws PlanException the plan or the output format is refused (nothing written)
     * @throws IOException   the source is unreadable, the disk too small (nothing written), or writing failed (the
     *                       temporary output is removed, {@code out} does not appear)
     */
    public StreamResult growGguf(Path in, GrowthPlan plan, Path out, StreamProgress progress) throws IOException {
        checkDistinct(in, out);
        GgufCheckpoint checkpoint = GgufCheckpoint.open(in);
        PlanException.throwIfAny(problems(checkpoint, plan));
        try (SourceTensors source = new GgufSourceTensors(checkpoint)) {
            PlanTrace trace = PlanTrace.of(plan, checkpoint.config(), source.dtypes());
            TransformerConfig grown = trace.config(trace.finalStage());
            try (GrowthStream stream = new GrowthStream(trace, source, kernel, GgufCheckpoint.tensorParts(grown),
                    options.cacheBytes())) {
                PlanException.throwIfAny(stream.mixedDtypeProblems("output GGUF"));
                List<SafetensorsEntry> entries = stream.outputEntries();
                long dataBytes = entries.stream().mapToLong(SafetensorsEntry::byteSize).sum();
                SequencedMap<String, GgufValue> metadata = checkpoint.metadataFor(grown, entries);
                // rope_freqs.weight and LongRoPE's factors are no model tensors: they follow them, as
                // GgufFormat.write places them.
                SequencedMap<String, Tensor> ropeTensors = GgufFormat.ropeTensors(grown);
                List<SafetensorsEntry> all = new ArrayList<>(entries);
                ropeTensors.forEach((name, t) -> all.add(new SafetensorsEntry(name, t.dtype(), t.shape())));
                long fileBytes = GgufStreamWriter.headerBytes(metadata, all) + GgufStreamWriter.dataBytes(all);
                AtomicOutput.removeStale(out);
                disk.require(out, fileBytes);
                progress.start(dataBytes, entries.size());
                AtomicOutput.writeFile(out, file -> {
                    try (GgufStreamWriter writer = GgufStreamWriter.create(file, metadata, all)) {
                        stream.writeGguf(writer, progress);
                        for (Tensor t : ropeTensors.values()) {
                            writer.write(t.data());
                        }
                    }
                });
                progress.finish();
                return new StreamResult(grown, entries.size(), 1, dataBytes, fileBytes, stream.copiedTensors(),
                        stream.appendedTensors(), stream.peakCacheBytes());
            }
        }
    }

    /**
     * Writing into the source (or the source into the output) would destroy what is being read; compared with links
     * resolved and by file key ({@link SourceOverlap}).
     */
    private static void checkDistinct(Path in, Path out) throws IOException {
        SourceOverlap.problem(in, out).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }
}
