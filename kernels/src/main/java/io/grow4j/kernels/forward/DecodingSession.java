package io.grow4j.kernels.forward;

/**
 * A sequence being decoded: tokens are fed one at a time at successive positions, each attending to all earlier
 * ones through the session's key/value cache. Sessions are independent and not thread-safe.
 */
public interface DecodingSession {

    /** Tokens fed so far, which is the position the next token will take. */
    int position();

    /** The longest sequence the model accepts. */
    int maxSeqLen();

    /** Feeds {@code token} at {@link #position()} and returns the logits there (a fresh array, widened to double). */
    double[] nextLogits(int token);
}
