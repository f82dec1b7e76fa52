using System.Globalization;
using System.Text;

namespace Sleeper.CrashHarness;

/// <summary>The figures of a run: trials, kills, faults, rows checked, lost and duplicated, overall and per scenario.</summary>
public static class HarnessReport
{
    public static string Markdown(IReadOnlyList<TrialResult> results, TimeSpan elapsed)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (results.Select(r => r.Backend).Distinct().ToList() is [var backend])
        {
            md.AppendLine(inv, $"Backend: {backend.Name()}");
        }
        md.AppendLine(inv, $"Trials: {results.Count} ({results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed) in {elapsed.TotalMinutes:F1} min");
        md.AppendLine(inv, $"Processes started: {results.Sum(r => r.Figures.Processes)}; killed with SIGKILL: {results.Sum(r => r.Figures.Kills)}; faults injected: {results.Sum(r => r.Figures.Faults)}");
        md.AppendLine(inv, $"Rows checked: {results.Sum(r => r.Figures.Rows.Checked):N0}; rows lost: {results.Sum(r => r.Figures.Rows.Lost):N0}; rows duplicated: {results.Sum(r => r.Figures.Rows.Duplicated):N0}");
        var counts = results.SelectMany(r => r.Counts ?? new Dictionary<string, int>()).GroupBy(c => c.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (counts.Count > 0)
        {
            md.AppendLine(inv, $"Scenario counts: {string.Join("; ", counts.Select(g => $"{g.Key}: {g.Sum(c => c.Value):N0}"))}");
        }
        md.AppendLine();
        md.AppendLine("| scenario | trials | failed | kills | faults | rows checked | lost | duplicated | violations by kind |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var group in results.GroupBy(r => r.Scenario))
        {
            var kinds = group.SelectMany(r => r.Violations).GroupBy(v => v.Kind).Select(k => $"{k.Key} {k.Count()}");
            md.AppendLine(inv, $"| {group.Key} | {group.Count()} | {group.Count(r => !r.Passed)} | {group.Sum(r => r.Figures.Kills)} | {group.Sum(r => r.Figures.Faults)} | " +
                $"{group.Sum(r => r.Figures.Rows.Checked):N0} | {group.Sum(r => r.Figures.Rows.Lost):N0} | {group.Sum(r => r.Figures.Rows.Duplicated):N0} | {string.Join(", ", kinds)} |");
        }
        return md.ToString();
    }
}
