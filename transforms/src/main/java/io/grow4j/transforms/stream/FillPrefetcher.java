package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.Fill;
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
    /** Each statistics thread's read window ({@link WindowedEntries}), freed with the thread's last use of it. */
    private static final ThreadLocal<MemorySegment> WINDOW =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(1L << 20, 64));
    private final PlanTrace trace;
    private final SourceTensors source;
    private final ExecutorService pool;
    /** Touched only by the building thread. */
    private final Map<StagedKey, Future<Fill>> pending = new HashMap<>();

    FillPrefetcher(PlanTrace trace, SourceTensors source, int threads) {
        this.trace = trace;
        this.source = source;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "grow4j-fill-statistics");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the statistics of every prefetchable fill that building {@code output} will need. */
    void prefetch(StagedKey output) {
        for (StagedKey at : prefetchable(output)) {
            pending.computeIfAbsent(at, k -> pool.submit(() -> resolve(k)));
        }
    }

    /** The prefetched fill of {@code at}, waiting for it if it is still being computed; null if none was started. */
    Fill take(StagedKey at) throws IOException {
        Future<Fill> f = pending.remove(at);
        if (f == null) {
            return null;
        }
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

    /** Along the chain of sources that builds {@code output}: each recipe whose reference is a source tensor. */
    private List<StagedKey> prefetchable(StagedKey output) {
        List<StagedKey> found = new ArrayList<>();
        StagedKey at = trace.origin(output);
        while (at.stage() > 0) {
            TensorRecipe r = trace.recipe(at);
            if (needsReference(r) && trace.origin(new StagedKey(at.stage() - 1, r.statsFrom())).stage() == 0) {
                found.add(at);
            }
            if (r.source() == null) {
                break;
            }
            at = trace.origin(new StagedKey(at.stage() - 1, r.source()));
        }
        return found;
    }

    private Fill resolve(StagedKey at) {
        TensorRecipe r = trace.recipe(at);
        int step = at.stage() - 1;
        StagedKey reference = trace.origin(new StagedKey(step, r.statsFrom()));
        SourceTensors.Stored stored = source.stored(reference.key());
        if (stored != null && (r.fill() == NewEntries.MEAN || r.fill() == NewEntries.ARBITRARY)) {
            // what FillResolver.resolve(r, tensor, ...) measures, read through a window instead of a mapping
            DType dtype = trace.dtype(reference);
            WindowedEntries entries = new WindowedEntries(stored, dtype, WINDOW.get(), reference.key().toString());
            Moments moments = Moments.sampled(stored.bytes() / dtype.bytes(), entries);
            return FillResolver.resolve(r, moments, trace.plan().seed(), step);
        }
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
        pool.shutdownNow();
    }
}
