package io.grow4j.model;

/**
 * Model families the engine runs. The flag says whether keys/queries and values have their own per-head size
 * (the paper's generic decoder) or share one head size (Llama and most checkpoint formats).
 */
public enum Architecture {
    /** The paper's decoder: pre-RMSNorm, key/query size and value size per head chosen independently. */
    GENERIC("generic", true),
    /** Llama-style decoder: RMSNorm, RoPE, grouped-query attention, SwiGLU; one head size. */
    LLAMA("llama", false);

    private final String id;
    private final boolean separateHeadSizes;

    Architecture(String id, boolean separateHeadSizes) {
        this.id = id;
        this.separateHeadSizes = separateHeadSizes;
    }

    public String id() {
        return id;
    }

    public boolean separateHeadSizes() {
        return separateHeadSizes;
    }

    public static Architecture fromId(String id) {
        for (Architecture a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "' (supported: generic, llama)");
    }
}
