package org.mtcp.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG plots of the benchmark results (JFreeChart, rendered headless). */
public final class Charts {
    private Charts() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Line styles. */
    public enum Style { SOLID, DASHED, DOTTED }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0x17becf), new Color(0x7f7f7f)};

    /**
     * One named series of (x, y) points, drawn in the colour of {@code group} (series of one
     * group share a colour and differ by style).
     */
    public record Series(String name, double[] x, double[] y, boolean shapes, int group, Style style) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("x and y differ in length");
            }
        }

        public Series(String name, double[] x, double[] y, boolean shapes, int group) {
            this(name, x, y, shapes, group, Style.SOLID);
        }
    }

    /** A line chart of several series, written to {@code png} (800x500). */
    public static void lines(Path png, String title, String xLabel, String yLabel, List<Series> series)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                xy.add(s.x()[i], s.y()[i]);
            }
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            r.setSeriesShapesVisible(i, s.shapes());
            r.setSeriesPaint(i, PALETTE[Math.floorMod(s.group(), PALETTE.length)]);
            r.setSeriesStroke(i, switch (s.style()) {
                case SOLID -> new BasicStroke(2f);
                case DASHED -> new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {8f, 5f}, 0f);
                case DOTTED -> new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {2f, 4f}, 0f);
            });
        }
        plot.setRenderer(r);
        write(png, chart);
    }

    /** A bar chart: {@code values.get(group).get(bar)}, one colour per bar name. */
    public static void bars(Path png, String title, String categoryLabel, String valueLabel,
            Map<String, Map<String, Double>> values) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, Map<String, Double>> g : values.entrySet()) {
            for (Map.Entry<String, Double> b : g.getValue().entrySet()) {
                data.addValue(b.getValue(), b.getKey(), g.getKey());
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        write(png, chart);
    }

    /** Convenience for a single group of bars. */
    public static void bars(Path png, String title, String valueLabel, Map<String, Double> values)
            throws IOException {
        Map<String, Map<String, Double>> one = new LinkedHashMap<>();
        one.put("", values);
        bars(png, title, "", valueLabel, one);
    }

    private static void write(Path png, JFreeChart chart) throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 500);
    }
}
