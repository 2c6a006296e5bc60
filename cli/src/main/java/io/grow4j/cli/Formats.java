package io.grow4j.cli;

/**
 * What the help texts say about the files each command reads and writes, in one place so every command says the
 * same (the README's formats table in short). Compile-time constants: picocli reads them from annotations.
 */
final class Formats {
    /** Every model format grow4j reads. */
    static final String MODELS_READ = "a Hugging Face directory (config.json + model.safetensors, sharded or not;"
            + " model_type llama, mistral, qwen2, qwen3, olmo2, gpt2, gpt_neox, bert, mixtral, qwen2_moe, gemma2,"
            + " gemma3_text, phi3, smollm3 or grow4j-generic), a llama2.c .bin file, a GGUF .gguf"
            + " file (architecture llama, with or without experts, qwen2, qwen3, olmo2 or qwen2moe; quantized tensors"
            + " dequantized to F32) or an ONNX .onnx BERT encoder";

    /** Every model format grow4j writes, chosen by OUT's name. */
    static final String MODELS_WRITTEN = "chosen by the name: a .bin file (llama2.c), a .gguf file (GGUF v3), an"
            + " .onnx file (only from an ONNX model: the graph it was read from), anything else a Hugging Face"
            + " directory (config.json + safetensors, in the family read)";

    /** Models with a language-model head: the ones a decoding session runs. */
    static final String DECODERS_READ = "a decoder: a Hugging Face directory (llama, mistral, qwen2, qwen3, olmo2,"
            + " gpt2, gpt_neox, mixtral, qwen2_moe, gemma2, gemma3_text, phi3, smollm3 or grow4j-generic), a llama2.c"
            + " .bin file or a GGUF .gguf file";

    private Formats() {
    }
}
