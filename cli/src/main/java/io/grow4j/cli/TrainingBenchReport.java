package io.grow4j.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.train.ProgressiveExperiment;
import io.grow4j.train.ProgressiveExperiment.Outcome;
import io.grow4j.train.ProgressiveExperiment.Run;
import io.grow4j.train.Trainer;
import io.grow4j.transforms.GrowthPlan;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The training benchmark's results: per seed and run, the final validation loss, the FLOPs spent and the FLOPs to
 * the scratch run's final loss; per variant, the saving against scratch (1 − its FLOPs to target / scratch's) as the
 * median and range over seeds, as Markdown tables, JSON and a PNG of validation loss against FLOPs.
 */
final class TrainingBenchReport {
    private final String size;
    private final ProgressiveExperiment experiment;
    private final List<Outcome> outcomes;
    private final double seconds;

    TrainingBenchReport(String size, ProgressiveExperiment experiment, List<Outcome> outcomes, double seconds) {
        this.size = size;
        this.experiment = experiment;
        this.outcomes = List.copyOf(outcomes);
        this.seconds = seconds;
    }

    static String describe(GrowthPlan plan) {
        return plan.steps().stream().map(Object::toString).collect(Collectors.joining(", "));
    }

    /** 1 − FLOPs to target / scratch's FLOPs to target; NaN when the run never reached the target. */
    static double saving(Outcome outcome, Run run) {
        return 1 - run.flopsToTarget() / outcome.runs().getFirst().flopsToTarget();
    }

    /** A run's final validation loss minus scratch's: both spent the same FLOPs, and saw the same validation set. */
    static double lossDifference(Outcome outcome, Run run) {
        return finalLoss(run) - finalLoss(outcome.runs().getFirst());
    }

    private static double finalLoss(Run run) {
        return run.log().getLast().validationLoss();
    }

    void printTables(PrintWriter out) {
        out.println();
        out.println("| seed | run | final val loss | Δ vs scratch | total FLOPs | FLOPs to target | saving vs scratch |");
        out.println("|---:|---|---:|---:|---:|---:|---:|");
        for (Outcome o : outcomes) {
            for (Run r : o.runs()) {
                boolean scratch = r == o.runs().getFirst();
                out.printf("| %d | %s | %.4f | %s | %.3e | %s | %s |%n", o.seed(), r.name(), finalLoss(r),
                        scratch ? "-" : String.format("%+.4f", lossDifference(o, r)), r.totalFlops(),
                        Double.isNaN(r.flopsToTarget()) ? "not reached" : String.format("%.3e", r.flopsToTarget()),
                        scratch ? "-" : percent(saving(o, r)));
            }
        }
        out.println();
        out.println("| run | reached target | median saving | min..max saving | median final val loss"
                + " | median Δ vs scratch (min..max) |");
        out.println("|---|---:|---:|---:|---:|---:|");
        List<Run> first = outcomes.getFirst().runs();
        for (int i = 0; i < first.size(); i++) {
            int index = i;
            double[] savings = outcomes.stream().mapToDouble(o -> saving(o, o.runs().get(index))).sorted().toArray();
            double[] losses = outcomes.stream().mapToDouble(o -> finalLoss(o.runs().get(index))).sorted().toArray();
            double[] deltas = outcomes.stream().mapToDouble(o -> lossDifference(o, o.runs().get(index))).sorted()
                    .toArray();
            long reached = Arrays.stream(savings).filter(s -> !Double.isNaN(s)).count();
            double[] finite = Arrays.stream(savings).filter(s -> !Double.isNaN(s)).toArray();
            out.printf("| %s | %d of %d | %s | %s | %.4f | %s |%n", first.get(i).name(), reached, outcomes.size(),
                    i == 0 ? "-" : finite.length == 0 ? "-" : percent(median(finite)),
                    i == 0 || finite.length == 0 ? "-"
                            : percent(finite[0]) + " .. " + percent(finite[finite.length - 1]),
                    median(losses), i == 0 ? "-" : String.format("%+.4f (%+.4f .. %+.4f)", median(deltas),
                            deltas[0], deltas[deltas.length - 1]));
        }
        out.printf("%n%.0f s in all; a run that never reached the target is left out of the median and range%n",
                seconds);
        out.flush();
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "not reached" : String.format("%+.1f %%", 100 * fraction);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    void writeJson(Path file) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "training").put("size", size).put("seconds", seconds)
                .put("cores", Runtime.getRuntime().availableProcessors());
        root.put("bigParameters", experiment.big().parameterCount())
                .put("smallParameters", experiment.small().parameterCount()).put("plan", describe(experiment.plan()));
        root.set("settings", json.valueToTree(experiment.settings()));
        ArrayNode seeds = root.putArray("seeds");
        for (Outcome o : outcomes) {
            ObjectNode seed = seeds.addObject().put("seed", o.seed()).put("target", o.target());
            ArrayNode runs = seed.putArray("runs");
            for (Run r : o.runs()) {
                ObjectNode run = runs.addObject().put("name", r.name()).put("totalFlops", r.totalFlops())
                        .put("flopsToTarget", r.flopsToTarget()).put("saving", saving(o, r))
                        .put("finalLossMinusScratch", lossDifference(o, r));
                run.set("log", json.valueToTree(r.log()));
            }
        }
        json.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    /** Validation loss against training FLOPs, every run of every seed, with the first seed's target as a line. */
    void writePlot(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1000).height(650)
                .title("Progressive vs scratch training (" + size + ", " + outcomes.size() + " seeds)")
                .xAxisTitle("training FLOPs").yAxisTitle("validation loss (nats per byte)").build();
        chart.getStyler().setMarkerSize(3).setLegendPosition(Styler.LegendPosition.InsideNE);
        java.awt.Color[] colours = {java.awt.Color.BLACK, new java.awt.Color(0xD55E00), new java.awt.Color(0x0072B2),
                new java.awt.Color(0x009E73), new java.awt.Color(0xCC79A7)};
        for (Outcome o : outcomes) {
            for (int i = 0; i < o.runs().size(); i++) {
                Run r = o.runs().get(i);
                List<double[]> points = evaluations(r.log());
                XYSeries series = chart.addSeries(r.name() + " seed " + o.seed(),
                        points.stream().mapToDouble(p -> p[0]).toArray(),
                        points.stream().mapToDouble(p -> p[1]).toArray());
                series.setMarker(SeriesMarkers.CIRCLE);
                series.setLineColor(colours[i % colours.length]);
                series.setMarkerColor(colours[i % colours.length]);
            }
        }
        String name = file.toString();
        BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }

    /** (FLOPs, validation loss) at each evaluation: entry i's loss is measured after the FLOPs of entry i − 1. */
    private static List<double[]> evaluations(List<Trainer.LogEntry> log) {
        return java.util.stream.IntStream.range(0, log.size()).filter(i -> !Double.isNaN(log.get(i).validationLoss()))
                .mapToObj(i -> new double[] {i == log.size() - 1 ? log.get(i).flops() : i == 0 ? 0
                        : log.get(i - 1).flops(), log.get(i).validationLoss()}).toList();
    }
}
