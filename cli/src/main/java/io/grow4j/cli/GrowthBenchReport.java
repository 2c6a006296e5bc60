package io.grow4j.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The growth benchmark's results as a Markdown table, JSON and a log-log PNG plot. */
final class GrowthBenchReport {
    private final List<GrowthBenchRow> rows;
    private final String plan;

    GrowthBenchReport(List<GrowthBenchRow> rows, String plan) {
        this.rows = List.copyOf(rows);
        this.plan = plan;
    }

    void printTable(PrintWriter out) {
        out.println("| params | grown | output | streamed s | cp s | streamed GB/s | cp GB/s | streamed / cp throughput"
                + " | in-memory s | memcpy s | in-memory / memcpy time | fresh memcpy s | in-memory / fresh memcpy |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (GrowthBenchRow r : rows) {
            out.printf("| %s | %s | %s | %.3f | %.3f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s |%n",
                    SyntheticCheckpoints.label(r.params()), SyntheticCheckpoints.label(r.grownParams()),
                    ByteSizes.format(r.outputBytes()), r.streamSeconds(), r.cpSeconds(), r.streamGbPerSecond(),
                    r.cpGbPerSecond(), r.streamShareOfCp(), number(r.memorySeconds(), "%.3f"),
                    number(r.memcpySeconds(), "%.3f"), number(r.memoryOverMemcpy(), "%.2f"),
                    number(r.freshSeconds(), "%.3f"), number(r.memoryOverFresh(), "%.2f"));
        }
        out.flush();
    }

    private static String number(double v, String format) {
        return Double.isNaN(v) ? "skipped" : String.format(format, v);
    }

    void writeJson(Path file) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", "growth");
        root.put("plan", plan);
        root.put("cores", Runtime.getRuntime().availableProcessors());
        root.put("java", System.getProperty("java.vm.version"));
        ArrayNode array = root.putArray("rows");
        for (GrowthBenchRow r : rows) {
            ObjectNode n = array.addObject();
            n.put("params", r.params()).put("grownParams", r.grownParams()).put("inputBytes", r.inputBytes())
                    .put("outputBytes", r.outputBytes()).put("streamSeconds", r.streamSeconds())
                    .put("cpSeconds", r.cpSeconds()).put("streamShareOfCp", r.streamShareOfCp());
            if (!Double.isNaN(r.memorySeconds())) {
                n.put("memorySeconds", r.memorySeconds()).put("memcpySeconds", r.memcpySeconds())
                        .put("memoryOverMemcpy", r.memoryOverMemcpy()).put("freshMemcpySeconds", r.freshSeconds())
                        .put("memoryOverFreshMemcpy", r.memoryOverFresh());
            }
        }
        json.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    /** Seconds against parameters, both axes logarithmic: growth beside its floor, streamed and in memory. */
    void writePlot(Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(600)
                .title("Growth time against model size (" + plan + ")")
                .xAxisTitle("parameters before growth (millions)").yAxisTitle("seconds").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
                .setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(7);
        addSeries(chart, "streamed growth (files)", GrowthBenchRow::streamSeconds);
        addSeries(chart, "cp -r of the grown files", GrowthBenchRow::cpSeconds);
        addSeries(chart, "in-memory growth", GrowthBenchRow::memorySeconds);
        addSeries(chart, "memory copy of the grown bytes", GrowthBenchRow::memcpySeconds);
        String name = file.toString();
        BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }

    private void addSeries(XYChart chart, String name, ToDoubleFunction<GrowthBenchRow> seconds) {
        List<GrowthBenchRow> measured = rows.stream().filter(r -> !Double.isNaN(seconds.applyAsDouble(r))).toList();
        if (measured.isEmpty()) {
            return;
        }
        double[] x = measured.stream().mapToDouble(r -> r.params() / 1e6).toArray();
        double[] y = measured.stream().mapToDouble(seconds).toArray();
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }
}
