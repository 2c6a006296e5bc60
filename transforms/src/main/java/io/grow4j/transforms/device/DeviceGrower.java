package io.grow4j.transforms.device;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.opencl.DeviceTensor;
import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.Fill;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.FillResolver;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.GrownDTypes;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.SplitNoise;
import io.grow4j.transforms.StepReport;
import io.grow4j.transforms.TensorRecipe;
import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs a growth plan on an OpenCL device, the counterpart of {@link io.grow4j.transforms.Grower}: the model is uploaded
 * once, every step's recipes run as {@link OpenClPadKernel} launches on {@link DeviceTensor}s, unchanged tensors are
 * shared from step to step, and the result stays on the device (for {@link
 * io.grow4j.kernels.opencl.DeviceForwardPass#fromDevice}) or comes back once.
 *
 * <p>Results are bit-identical to the CPU grower on devices with fp64. The one thing that needs the host is the
 * statistics of "arbitrary" and mean fills: FillResolver's mean and deviation are one sequential pass in
 * SummaryStatistics' order, which a parallel device reduction cannot reproduce bit for bit (and a single device thread
 * would be far slower than the host on a GPU). So for such a fill the reference tensor is read on the host: the
 * uploaded host tensor itself while it is unchanged, otherwise a temporary download of that one tensor. Zero, copy and
 * axis-mean fills need nothing from the host.
 */
public final class DeviceGrower {
    private final OpenClPadKernel kernel;
    private long statisticsDownloads;
    private long statisticsBytes;

    /** Grows on the kernel's device; the caller keeps and closes the kernel. */
    public DeviceGrower(OpenClPadKernel kernel) {
        this.kernel = kernel;
    }

    /**
     * The whole plan on the profile's OpenCL device in one call: upload, grow, download. Validates the plan first
     * (every problem at once, nothing touched); OpenCL problems throw {@link io.grow4j.kernels.opencl.OpenClException}
     * naming the kernel, tensor and device.
     */
    public static Model grow(Model model, GrowthPlan plan, DeviceProfile profile) {
        return grow(model, plan, profile, report -> { });
    }

    /** As {@link #grow(Model, GrowthPlan, DeviceProfile)}, reporting each step as it ends. */
    public static Model grow(Model model, GrowthPlan plan, DeviceProfile profile, Consumer<StepReport> onStep) {
        checkPlan(model.config(), plan);
        try (OpenClPadKernel kernel = OpenClPadKernel.open(profile)) {
            DeviceGrower grower = new DeviceGrower(kernel);
            try (DeviceModel grown = grower.grow(grower.upload(model), plan, onStep)) {
                return grown.download();
            }
        }
    }

    /** A device copy of every tensor of the model (same dtypes). */
    public DeviceModel upload(Model model) {
        Map<TensorKey, DeviceTensor> tensors = new TreeMap<>();
        Map<DeviceTensor, Tensor> origins = new IdentityHashMap<>();
        try {
            model.tensors().forEach((key, host) -> {
                DeviceTensor t = kernel.upload(host);
                tensors.put(key, t);
                origins.put(t, host);
            });
        } catch (RuntimeException e) {
            tensors.values().forEach(DeviceTensor::close);
            throw e;
        }
        return new DeviceModel(model.config(), tensors, model.extras(), origins);
    }

    /** Every step of the plan; {@code model} is consumed (its tensors move to the result or are freed). */
    /**
     * The plan's problems, plus upcycling, whose recipes read a dense weight as one expert (a reshape the device
     * tensors do not offer), and clone noise, a pass no device kernel has: both run on the host.
     */
    private static void checkPlan(TransformerConfig start, GrowthPlan plan) {
        TransformerConfig config = start;
        PlanException.throwIfAny(plan.problems(config));
        if (config.normKind().offset() != 0) {
            throw new PlanException(List.of(config.architecture().id() + "'s norms multiply by (1 + w), whose growth"
                    + " shifts the stored gains; the OpenCL pad program only scales them (grow without --device)"));
        }
        for (int i = 0; i < plan.steps().size(); i++) {
            if (plan.steps().get(i) instanceof ExpertUpcycling) {
                throw new PlanException(List.of(plan.label(i) + ": upcycling to experts runs on the host, not on"
                        + " an OpenCL device (grow without --device)"));
            }
            GrowthStep step = plan.steps().get(i);
            TransformerConfig after = step.apply(config);
            for (TensorRecipe r : step.recipes(config, after)) {
                if (r.rewrite() != null) {
                    throw new PlanException(List.of(plan.label(i) + ": " + (r.rewrite() instanceof SplitNoise
                            ? "clone noise is applied" : "the orthonormal fill of new query dims is computed")
                            + " on the host, not on an OpenCL device (grow with --backend cpu" + (r.rewrite()
                            instanceof SplitNoise ? "" : ", or with init: clone, which copies old query dims") + ")"));
                }
            }
            config = after;
        }
    }

    public DeviceModel grow(DeviceModel model, GrowthPlan plan) {
        return grow(model, plan, report -> { });
    }

    public DeviceModel grow(DeviceModel model, GrowthPlan plan, Consumer<StepReport> onStep) {
        checkPlan(model.config(), plan);
        DeviceModel current = model;
        for (int i = 0; i < plan.steps().size(); i++) {
            long start = System.nanoTime();
            DeviceModel next = applyStep(current, plan.steps().get(i), plan.seed(), i);
            double seconds = (System.nanoTime() - start) / 1e9;
            onStep.accept(new StepReport(plan.label(i), current.parameterCount(), next.parameterCount(), seconds));
            current = next;
        }
        return current;
    }

    /**
     * One step: a recipe per tensor of the grown model, each a pad launch (or the source itself, when the recipe
     * copies it). {@code model} is consumed.
     */
    public DeviceModel applyStep(DeviceModel model, GrowthStep step, long planSeed, int stepIndex) {
        TransformerConfig before = model.config();
        TransformerConfig after = step.apply(before);
        Map<TensorKey, DeviceTensor> grown = new TreeMap<>();
        try {
            for (TensorRecipe recipe : step.recipes(before, after)) {
                grown.put(recipe.target(), build(model, recipe, planSeed, stepIndex));
            }
        } catch (RuntimeException e) {
            closeNew(grown, model);
            throw e;
        }
        Map<DeviceTensor, Tensor> origins = model.originsKeptBy(grown);
        model.releaseExcept(grown);
        return new DeviceModel(after, grown, model.extras(), origins);
    }

    private DeviceTensor build(DeviceModel model, TensorRecipe recipe, long planSeed, int stepIndex) {
        DeviceTensor source = recipe.source() == null ? null : model.tensor(recipe.source());
        if (recipe.isCopy()) {
            return source;
        }
        DeviceTensor reference = recipe.statsFrom() == null ? null : model.tensor(recipe.statsFrom());
        DType dtype = source != null ? source.dtype() : reference != null ? reference.dtype() : model.dtypeOrDefault();
        Fill fill = FillResolver.resolve(recipe, statisticsOf(model, recipe, reference), planSeed, stepIndex);
        return kernel.pad(source, recipe.toPadSpec(fill), GrownDTypes.of(recipe, dtype));
    }

    /** The host tensor FillResolver reads for this recipe's statistics, or null when the fill needs none. */
    private Tensor statisticsOf(DeviceModel model, TensorRecipe recipe, DeviceTensor reference) {
        boolean needsStatistics = recipe.fill() == NewEntries.ARBITRARY || recipe.fill() == NewEntries.MEAN;
        if (reference == null || !needsStatistics) {
            return null;
        }
        Tensor host = model.hostOrigin(reference);
        if (host != null) {
            return host;
        }
        statisticsDownloads++;
        statisticsBytes += reference.byteSize();
        return reference.download();
    }

    /** Frees the tensors a failed step made, keeping those it shared with its input. */
    private static void closeNew(Map<TensorKey, DeviceTensor> grown, DeviceModel input) {
        Map<DeviceTensor, Boolean> inputs = new IdentityHashMap<>();
        input.tensors().values().forEach(t -> inputs.put(t, true));
        grown.values().stream().filter(t -> !inputs.containsKey(t)).forEach(DeviceTensor::close);
    }

    /** Reference tensors downloaded for fill statistics so far (those not read from an uploaded host tensor). */
    public long statisticsDownloads() {
        return statisticsDownloads;
    }

    /** Their bytes. */
    public long statisticsBytes() {
        return statisticsBytes;
    }
}
