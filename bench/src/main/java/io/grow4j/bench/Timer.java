package io.grow4j.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Times a call: warm-up runs first (JIT, kernel builds, first uploads of resident weights), then repeats until a time
 * budget is spent, at least {@code minRuns} times. The median is reported, which one slow run (GC, another process)
 * does not move.
 */
public record Timer(int warmups, int minRuns, double budgetSeconds) {

    public static final Timer QUICK = new Timer(1, 3, 0.5);
    public static final Timer FULL = new Timer(2, 5, 3.0);

    /** Median seconds per call. */
    public double median(Runnable call) {
        for (int i = 0; i < warmups; i++) {
            call.run();
        }
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        while (times.size() < minRuns || (System.nanoTime() - start) / 1e9 < budgetSeconds) {
            long t0 = System.nanoTime();
            call.run();
            times.add((System.nanoTime() - t0) / 1e9);
            if (times.size() >= 1000) {
                break;
            }
        }
        Collections.sort(times);
        int n = times.size();
        return n % 2 == 1 ? times.get(n / 2) : (times.get(n / 2 - 1) + times.get(n / 2)) / 2;
    }
}
