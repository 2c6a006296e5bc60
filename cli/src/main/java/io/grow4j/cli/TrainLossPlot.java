package io.grow4j.cli;

import io.grow4j.train.Trainer;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** train's --plot: train loss of every step and validation loss at each evaluation against the step, as a PNG. */
final class TrainLossPlot {
    private TrainLossPlot() {
    }

    /** Writes the PNG to {@code file} under exactly that name (the caller's temporary name). */
    static void write(List<Trainer.LogEntry> log, List<Trainer.GrowthEntry> growths, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600).title("Training loss")
                .xAxisTitle("step").yAxisTitle("loss (nats per token)").build();
        List<Trainer.LogEntry> steps = log.stream().filter(e -> !Double.isNaN(e.trainLoss())).toList();
        XYSeries train = chart.addSeries("train", steps.stream().mapToDouble(Trainer.LogEntry::step).toArray(),
                steps.stream().mapToDouble(Trainer.LogEntry::trainLoss).toArray());
        train.setMarker(SeriesMarkers.NONE);
        List<Trainer.LogEntry> evaluated = log.stream().filter(e -> !Double.isNaN(e.validationLoss())).toList();
        XYSeries validation = chart.addSeries("validation",
                evaluated.stream().mapToDouble(Trainer.LogEntry::step).toArray(),
                evaluated.stream().mapToDouble(Trainer.LogEntry::validationLoss).toArray());
        validation.setMarker(SeriesMarkers.CIRCLE);
        for (Trainer.GrowthEntry g : growths) {
            XYSeries grew = chart.addSeries("growth at step " + g.step(), new double[] {g.step(), g.step()},
                    new double[] {g.lossBefore(), g.lossAfter()});
            grew.setMarker(SeriesMarkers.DIAMOND);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
