package io.grow4j.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times a call by two clocks at once: the wall clock, and the CPU time of every thread of the process. On a
 * machine shared with other work, a thread waiting for a core shows in the wall clock but not in the CPU time, so the
 * CPU time over the threads used estimates what a dedicated core per thread would take; spinning threads, and memory
 * stalls, count in both.
 */
final class Clocks {
    /** Index 0: wall clock, 1: process CPU time. */
    static final String[] NAMES = {"wall", "cpu"};

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Clocks() {
    }

    /** {wall seconds, process CPU seconds} of one call. */
    static double[] time(Runnable call) {
        java.util.Map<Long, Long> before = threadCpuNanos();
        long t0 = System.nanoTime();
        call.run();
        long t1 = System.nanoTime();
        long cpu = 0;
        for (java.util.Map.Entry<Long, Long> e : threadCpuNanos().entrySet()) {
            cpu += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return new double[] {(t1 - t0) / 1e9, cpu / 1e9};
    }

    /**
     * The CPU time of every live thread by id: to the nanosecond, where the operating system's process figure moves
     * in scheduler ticks (10 ms, the length of a whole 1 GiB read). A thread that ends during a call (an idle pool
     * worker) loses what it used in that call, and one started during it counts in full: the sum over the threads
     * alive at both ends could otherwise go backwards.
     */
    private static java.util.Map<Long, Long> threadCpuNanos() {
        long[] ids = THREADS.getAllThreadIds();
        long[] cpu = THREADS.getThreadCpuTime(ids);
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (cpu[i] >= 0) {
                out.put(ids[i], cpu[i]);
            }
        }
        return out;
    }

    /** The median of {@code runs} calls by each clock separately. */
    static double[] median(int runs, Runnable call) {
        double[] wall = new double[runs];
        double[] cpu = new double[runs];
        for (int i = 0; i < runs; i++) {
            double[] t = time(call);
            wall[i] = t[0];
            cpu[i] = t[1];
        }
        return new double[] {median(wall), median(cpu)};
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
