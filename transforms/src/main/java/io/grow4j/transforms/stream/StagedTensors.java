package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.FillResolver;
import io.grow4j.transforms.Moments;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds any tensor of any stage of a plan from the source checkpoint, computing only what it needs: its recipe's
 * source and statistics reference at the previous stage, recursively, down to mapped source tensors. The same
 * recipes, kernel, seeds and reference tensors as the in-memory {@link io.grow4j.transforms.Grower}, so every value is
 * bit-identical to it. Source mappings opened for one output tensor are released by {@link #release}.
 */
final class StagedTensors implements AutoCloseable {
    private final PlanTrace trace;
    private final SourceTensors source;
    private final PadKernel kernel;
    private final IntermediateCache cache;
    private final Map<StagedKey, Fill> fills = new HashMap<>();
    private final FillPrefetcher prefetcher;
    private final SourceReadBuffers reads = new SourceReadBuffers();
    /** What one output tensor maps (a GGUF source's tensors); opened only when something is mapped. */
    private LazySharedArena scope = new LazySharedArena();

    StagedTensors(PlanTrace trace, SourceTensors source, PadKernel kernel, long cacheBytes) {
        this.trace = trace;
        this.source = source;
        this.kernel = kernel;
        this.cache = new IntermediateCache(cacheBytes);
        this.prefetcher = new FillPrefetcher(trace, source);
    }

    /** Writes tensor {@code k} into {@code dst}, which has its traced dtype and shape. */
    void build(StagedKey k, Tensor dst) throws IOException {
        StagedKey at = trace.origin(k);
        if (at.stage() == 0) {
            dst.data().copyFrom(source.read(at.key(), reads, scope).data());
            return;
        }
        TensorRecipe r = trace.recipe(at);
        int step = at.stage() - 1;
        Tensor src = r.source() == null ? null : get(new StagedKey(step, r.source()));
        if (src != null && !src.hasShape(r.oldShape())) {
            // a recipe may read its source with a unit axis added (a dense MLP weight read as one expert)
            src = src.reshape(r.oldShape());
        }
        kernel.pad(src, dst, r.toPadSpec(fill(at, r)));
        r.perturb(dst, trace.plan().seed(), step);
    }

    /** Writes only the new rows of {@code rows}' tensor into {@code tail} (shape {@link AppendedRows#tailShape}). */
    void buildAppended(AppendedRows rows, Tensor tail) throws IOException {
        TensorRecipe r = trace.recipe(rows.at());
        kernel.pad(null, tail, rows.tailSpec(fill(rows.at(), r)));
    }

    /**
     * The recipe's resolved fill, remembered: a tensor built again (an output that a later new layer also needs as
     * its statistics reference) must not pay for a full pass of statistics twice.
     */
    private Fill fill(StagedKey at, TensorRecipe r) throws IOException {
        Fill known = fills.get(at);
        if (known == null) {
            known = prefetcher.take(at);
        }
        if (known == null) {
            int step = at.stage() - 1;
            Moments reference = FillPrefetcher.needsReference(r) ? moments(new StagedKey(step, r.statsFrom())) : null;
            known = FillResolver.resolve(r, reference, trace.plan().seed(), step);
        }
        fills.put(at, known);
        return known;
    }

    /**
     * The statistics of tensor {@code k}. An intermediate that is not cached is not built for them: its sampled
     * entries are computed one by one from its recipe (a new layer's reference is often a neighbour widened by an
     * earlier step, built once more just to be measured). Recipes whose entries are not a function of one old entry
     * or one index (axis means, a clone's noise) are built as before.
     */
    private Moments moments(StagedKey k) throws IOException {
        StagedKey at = trace.origin(k);
        if (at.stage() == 0 || cache.get(at) != null) {
            return Moments.of(get(at));
        }
        TensorRecipe r = trace.recipe(at);
        if (r.fill() == NewEntries.AXIS_MEAN || r.rewrite() != null) {
            return Moments.of(get(at));
        }
        Tensor src = r.source() == null ? null : get(new StagedKey(at.stage() - 1, r.source()));
        PadSpec spec = r.toPadSpec(fill(at, r));
        DType dtype = trace.dtype(at);
        return Moments.sampled(Tensor.elementCount(r.newShape()), flat -> dtype.round(spec.valueAt(src, flat)));
    }

    /** Starts, on other threads, the statistics that building output tensor {@code k} will need. */
    void prefetch(StagedKey k) {
        prefetcher.prefetch(k, fills::get);
    }

    /** Tensor {@code k}: a source tensor read into a reused buffer, or an intermediate (cached, computed on a miss). */
    Tensor get(StagedKey k) throws IOException {
        StagedKey at = trace.origin(k);
        if (at.stage() == 0) {
            return source.read(at.key(), reads, scope);
        }
        Tensor cached = cache.get(at);
        if (cached != null) {
            return cached;
        }
        Tensor t = cache.allocate(at, trace.dtype(at), trace.recipe(at).newShape());
        boolean built = false;
        try {
            build(at, t);
            built = true;
            return t;
        } finally {
            if (!built) {
                cache.discard(at);
            }
        }
    }

    /** Ends one output tensor: frees the source buffers and ranges it read and trims the cache to its budget. */
    void release() {
        reads.releaseAll();
        scope.close();
        scope = new LazySharedArena();
        cache.trim();
    }

    long peakCacheBytes() {
        return cache.peakBytes();
    }

    @Override
    public void close() {
        prefetcher.close();
        scope.close();
        reads.close();
        cache.close();
    }
}
