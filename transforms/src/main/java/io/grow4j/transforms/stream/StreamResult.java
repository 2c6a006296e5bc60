package io.grow4j.transforms.stream;

import io.grow4j.model.TransformerConfig;

/**
 * What a streamed growth wrote.
 *
 * @param config          the grown model's config
 * @param tensors         tensors written
 * @param shards          safetensors files written (1: model.safetensors, no index)
 * @param dataBytes       bytes of tensor data
 * @param fileBytes       bytes of all safetensors files, headers included
 * @param copiedTensors   tensors copied file to file unchanged
 * @param appendedTensors tensors (or row-stacked parts) whose old rows were copied file to file and only the new rows
 *                        built ({@link AppendedRows})
 * @param peakCacheBytes  the most intermediate-tensor memory held at once
 */
public record StreamResult(TransformerConfig config, int tensors, int shards, long dataBytes, long fileBytes,
                           int copiedTensors, int appendedTensors, long peakCacheBytes) {
}
