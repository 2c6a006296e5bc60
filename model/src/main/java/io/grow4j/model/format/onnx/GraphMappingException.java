package io.grow4j.model.format.onnx;

/**
 * The graph is valid ONNX but not a BERT encoder grow4j can map; the message names the node, value or initializer
 * where matching stopped. The format turns it into a CheckpointException naming the file.
 */
final class GraphMappingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GraphMappingException(String message) {
        super(message);
    }
}
