package io.grow4j.transforms;

/** What one step did: parameters before and after, and how long its tensors took. */
public record StepReport(String label, long parametersBefore, long parametersAfter, double seconds) {
}
