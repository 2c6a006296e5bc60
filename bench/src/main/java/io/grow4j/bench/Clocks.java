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
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        call.run();
        long t1 = System.nanoTime();
        long cpu1 = processCpuNanos();
        return new double[] {(t1 - t0) / 1e9, (cpu1 - cpu0) / 1e9};
    }

    /**
     * The CPU time of every live thread, summed: to the nanosecond, where the operating system's process figure moves
     * in scheduler ticks (10 ms, the length of a whole 1 GiB read). Threads that end between two readings would be
     * missed; the pools measured here live as long as the bench.
     */
    private static long processCpuNanos() {
        long sum = 0;
        for (long t : THREADS.getThreadCpuTime(THREADS.getAllThreadIds())) {
            sum += Math.max(t, 0);
        }
        return sum;
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
