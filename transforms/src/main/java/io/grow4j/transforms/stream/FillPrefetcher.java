package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.FillResolver;
import io.grow4j.transforms.Moments;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Resolves fills ahead of the writer, on other threads. A fill's statistics are one sequential pass over its
 * reference tensor (reordering the sums would change the bits the in-memory grower produces), so the only exact
 * parallelism is across tensors: while one tensor is built and written, the statistics of the next few are computed
 * concurrently. Only fills whose reference is a source tensor are prefetched, each read through a window of its own
 * ({@link WindowedEntries}) or, where the file does not hold it as it is held in memory, mapped in the task's own
 * arena; fills that read intermediate tensors stay on the building thread, which owns the intermediate cache.
 */
final class FillPrefetcher implements AutoCloseable {
    /** Fills whose moments one task computes together: three chains keep a core's divider busy. */
    private static final int BATCH = 3;
    /**
     * Each statistics thread's read windows ({@link WindowedEntries}), 1 MiB per tensor of a batch, freed with the
     * thread's last use of them.
     */
    private static final ThreadLocal<MemorySegment> WINDOWS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BATCH << 20, 64));

    /** A fill whose reference is a stored source tensor, waiting in the open batch. */
    private record Batched(StagedKey at, CompletableFuture<Fill> fill) {
    }

    private final PlanTrace trace;
    private final SourceTensors source;
    /**
     * The statistics threads, shared by every streamed growth of the process: each thread's read windows
     * ({@link #WINDOWS}, 3 MiB) are allocated and first touched once, not once per growth, which was most of a small
     * model's growth time (a pool per growth: 0.03 s of fixed cost, against cp's 0.015 s for an 18 MB output). The
     * threads take tasks in submission order, so "a task only waits for one submitted before it" holds across
     * growths too. Daemon threads: they never keep the JVM alive.
     */
    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(), r -> {
                Thread t = new Thread(r, "grow4j-fill-statistics");
                t.setDaemon(true);
                return t;
            });
    /** Touched only by the building thread. */
    private final Map<StagedKey, Future<Fill>> pending = new HashMap<>();
    /** Touched only by the building thread: fills not yet submitted, {@link #flush}ed at {@link #BATCH}. */
    private final List<Batched> batch = new ArrayList<>();

    FillPrefetcher(PlanTrace trace, SourceTensors source) {
        this.trace = trace;
        this.source = source;
    }

    /**
     * Starts the statistics of every prefetchable fill that building {@code output} will need.
     *
     * @param known fills the building thread has already resolved (not computed again)
     */
    void prefetch(StagedKey output, Function<StagedKey, Fill> known) {
        for (StagedKey at : prefetchable(output)) {
            submit(at, known);
        }
    }

    /**
     * The fill of {@code at}, pending or started now. A fill measured on an intermediate reference first starts the
     * fill of that intermediate (its own new entries are part of what is measured), so a task only ever waits for one
     * submitted before it: the pool takes tasks in submission order, and none waits for a later one.
     */
    private Future<Fill> submit(StagedKey at, Function<StagedKey, Fill> known) {
        Future<Fill> f = pending.get(at);
        if (f != null) {
            return f;
        }
        Fill resolved = known.apply(at);
        if (resolved != null) {
            return CompletableFuture.completedFuture(resolved);
        }
        StagedKey reference = reference(at);
        if (reference.stage() == 0 && windowed(at) != null) {
            CompletableFuture<Fill> later = new CompletableFuture<>();
            batch.add(new Batched(at, later));
            if (batch.size() == BATCH) {
                flush();
            }
            f = later;
        } else if (reference.stage() == 0) {
            f = POOL.submit(() -> resolve(at));
        } else {
            TensorRecipe r = trace.recipe(reference);
            Future<Fill> inner = needsReference(r) ? submit(reference, known) : null;
            flush(); // the inner fill may be in the open batch: it must be submitted first
            f = POOL.submit(() -> resolveOnIntermediate(at, reference, inner));
        }
        pending.put(at, f);
        return f;
    }

    /** Submits the open batch, if any, as one task. */
    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        List<Batched> items = List.copyOf(batch);
        batch.clear();
        POOL.submit(() -> resolveTogether(items));
    }

    /**
     * The moments of a batch's source references stepped together ({@link Moments#sampledTogether}), each read through
     * a window of its own; every fill of the batch completes, or fails with the batch's error.
     */
    private void resolveTogether(List<Batched> items) {
        try {
            long[] sizes = new long[items.size()];
            WindowedEntries[] entries = new WindowedEntries[items.size()];
            MemorySegment windows = WINDOWS.get();
            long windowBytes = windows.byteSize() / BATCH;
            for (int i = 0; i < items.size(); i++) {
                StagedKey reference = reference(items.get(i).at());
                DType dtype = trace.dtype(reference);
                SourceTensors.Stored stored = windowed(items.get(i).at());
                sizes[i] = stored.bytes() / dtype.bytes();
                entries[i] = new WindowedEntries(stored, dtype, windows.asSlice(i * windowBytes, windowBytes),
                        reference.key().toString());
            }
            Moments[] moments = Moments.sampledTogether(sizes, entries);
            for (int i = 0; i < items.size(); i++) {
                StagedKey at = items.get(i).at();
                items.get(i).fill().complete(FillResolver.resolve(trace.recipe(at), moments[i], trace.plan().seed(),
                        at.stage() - 1));
            }
        } catch (RuntimeException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            items.forEach(item -> item.fill().completeExceptionally(cause));
        }
    }

    /**
     * Where the file holds the stage-0 reference of {@code at}'s fill as it is held in memory, when that fill measures
     * it ({@link FillResolver} measures MEAN and ARBITRARY fills); null otherwise (the reference is mapped instead).
     */
    private SourceTensors.Stored windowed(StagedKey at) {
        NewEntries fill = trace.recipe(at).fill();
        if (fill != NewEntries.MEAN && fill != NewEntries.ARBITRARY) {
            return null;
        }
        return source.stored(reference(at).key());
    }

    /** The prefetched fill of {@code at}, waiting for it if it is still being computed; null if none was started. */
    Fill take(StagedKey at) throws IOException {
        Future<Fill> f = pending.remove(at);
        if (f != null && batch.stream().anyMatch(b -> b.at().equals(at))) {
            flush(); // needed now: no more waiting for the batch to fill
        }
        return f == null ? null : await(f, at);
    }

    private static Fill await(Future<Fill> f, StagedKey at) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while computing the statistics of " + at, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("statistics of " + at + " failed", cause);
        }
    }

    /**
     * Along the chain of sources that builds {@code output}: each recipe whose reference is a source tensor, or an
     * intermediate whose sampled entries need only a source tensor and a fill that is itself prefetchable.
     */
    private List<StagedKey> prefetchable(StagedKey output) {
        List<StagedKey> found = new ArrayList<>();
        StagedKey at = trace.origin(output);
        while (at.stage() > 0) {
            TensorRecipe r = trace.recipe(at);
            if (needsReference(r) && (reference(at).stage() == 0 || sampledFromSource(reference(at)))) {
                found.add(at);
            }
            if (r.source() == null) {
                break;
            }
            at = trace.origin(new StagedKey(at.stage() - 1, r.source()));
        }
        return found;
    }

    /** Where the fill of {@code at} takes its statistics: its recipe's reference, traced back through copies. */
    private StagedKey reference(StagedKey at) {
        return trace.origin(new StagedKey(at.stage() - 1, trace.recipe(at).statsFrom()));
    }

    /**
     * Whether the intermediate {@code k}'s sampled entries ({@link StagedTensors}' moments of an intermediate) need
     * nothing but a source tensor and a fill whose own reference is a source tensor: a new layer's reference widened
     * by an earlier MLP or hidden step, measured on the main thread before.
     */
    private boolean sampledFromSource(StagedKey k) {
        TensorRecipe r = trace.recipe(k);
        if (r.fill() == NewEntries.AXIS_MEAN || r.rewrite() != null) {
            return false;
        }
        boolean sourceRead = r.source() == null
                || trace.origin(new StagedKey(k.stage() - 1, r.source())).stage() == 0;
        return sourceRead && (!needsReference(r) || reference(k).stage() == 0);
    }

    /**
     * The fill of {@code at}, measured on the intermediate {@code reference} entry by entry from its recipe, exactly as
     * {@link StagedTensors} measures one it has not cached; {@code inner}: the intermediate's own fill (null when it
     * reads no reference).
     */
    private Fill resolveOnIntermediate(StagedKey at, StagedKey reference, Future<Fill> inner) throws IOException {
        TensorRecipe r = trace.recipe(reference);
        int step = reference.stage() - 1;
        Fill fill = inner != null ? await(inner, reference)
                : FillResolver.resolve(r, (Moments) null, trace.plan().seed(), step);
        PadSpec spec = r.toPadSpec(fill);
        DType dtype = trace.dtype(reference);
        try (Arena arena = Arena.ofConfined()) {
            Tensor src = r.source() == null ? null
                    : source.map(trace.origin(new StagedKey(step, r.source())).key(), arena);
            Moments moments = Moments.sampled(Tensor.elementCount(r.newShape()),
                    flat -> dtype.round(spec.valueAt(src, flat)));
            return FillResolver.resolve(trace.recipe(at), moments, trace.plan().seed(), at.stage() - 1);
        }
    }

    private Fill resolve(StagedKey at) {
        TensorRecipe r = trace.recipe(at);
        int step = at.stage() - 1;
        StagedKey reference = reference(at);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = source.map(reference.key(), arena);
            return FillResolver.resolve(r, t, trace.plan().seed(), step);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether FillResolver reads the statsFrom tensor: every fill but ZERO and AXIS_MEAN (which the kernel takes from
     * the source itself). Listing the ones that do not keeps a new fill kind correct by default, only slower.
     */
    static boolean needsReference(TensorRecipe r) {
        return r.statsFrom() != null && r.fill() != NewEntries.ZERO && r.fill() != NewEntries.AXIS_MEAN;
    }

    @Override
    public void close() {
        // what this growth started and no longer needs (it failed or was stopped); the shared threads live on
        pending.values().forEach(f -> f.cancel(true));
    }
}
