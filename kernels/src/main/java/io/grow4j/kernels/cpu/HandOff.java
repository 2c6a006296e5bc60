package io.grow4j.kernels.cpu;

/**
 * Where the threads of a {@link CpuKernels} waited, summed over its parallel calls since it was made (take two
 * snapshots and {@link #minus} them to cover a stretch of work). Two waits cost a parallel call wall time:
 * <ul>
 *   <li>{@code workerLagNanos}: from posting a call until a worker took its first chunk (waking a parked worker, or
 *       one the operating system had not scheduled); the caller runs alone meanwhile. A call the workers missed
 *       entirely counts in full.</li>
 *   <li>{@code callerWaitNanos}: from the caller running out of chunks until the last chunk a worker had taken ended
 *       (the imbalance at the end of a call).</li>
 * </ul>
 * Calls that ran inline (small, nested or concurrent) are not counted.
 *
 * @param calls          parallel calls
 * @param chunks         chunks they were split into
 * @param callerChunks   of those, chunks the calling thread ran
 * @param workerLagNanos see above, ns
 * @param callerWaitNanos see above, ns
 * @param callNanos      wall time of the calls, ns
 */
public record HandOff(long calls, long chunks, long callerChunks, long workerLagNanos, long callerWaitNanos,
                      long callNanos) {
    public static final HandOff NONE = new HandOff(0, 0, 0, 0, 0, 0);

    /** This snapshot less an earlier one: the calls made in between. */
    public HandOff minus(HandOff earlier) {
        return new HandOff(calls - earlier.calls, chunks - earlier.chunks, callerChunks - earlier.callerChunks,
                workerLagNanos - earlier.workerLagNanos, callerWaitNanos - earlier.callerWaitNanos,
                callNanos - earlier.callNanos);
    }

    HandOff plus(long chunks, long callerChunks, long workerLag, long callerWait, long call) {
        return new HandOff(calls + 1, this.chunks + chunks, this.callerChunks + callerChunks,
                workerLagNanos + workerLag, callerWaitNanos + callerWait, callNanos + call);
    }
}
