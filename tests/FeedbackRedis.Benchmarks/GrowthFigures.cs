using System.Globalization;

namespace FeedbackRedis.Benchmarks;

/// <summary>Medians, ratios and table cells for the growth report (invariant culture, thousands separated).</summary>
internal static class GrowthFigures
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>"median (run / run / run)", or "failed" when no run succeeded.</summary>
    public static string Runs(IReadOnlyList<double> values, string format = "N0") => values.Count == 0
        ? "failed"
        : $"**{Median(values).ToString(format, CultureInfo.InvariantCulture)}** ({string.Join(" / ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)))})";

    public static string Ratio(double value, double reference) =>
        double.IsNaN(value) || double.IsNaN(reference) || reference == 0 ? "–" : (value / reference).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Number(double value, string format = "N0") =>
        double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>One markdown table row.</summary>
    public static void Row(params object[] cells) =>
        Console.WriteLine("| " + string.Join(" | ", cells.Select(c => Convert.ToString(c, CultureInfo.InvariantCulture))) + " |");

    public static void Header(params string[] cells)
    {
        Row(cells);
        Row([.. cells.Select(_ => "---")]);
    }

    /// <summary>Progress on standard error (the report on standard output stays a clean document).</summary>
    public static void Progress(string message) => Console.Error.WriteLine($"  growth: {message}");
}
