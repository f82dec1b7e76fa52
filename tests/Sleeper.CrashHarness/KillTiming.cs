using System.Collections.Concurrent;

namespace Sleeper.CrashHarness;

/// <summary>
/// When to kill: a seeded fraction of how long that kind of command has been seen to take when left alone, so
/// kills land anywhere from start-up to the last commit whatever the machine's speed. The fraction comes from
/// the trial's seed; the durations are measured, so a rerun of a seed kills at the same point of the command's
/// life only as nearly as the machine's timing repeats.
/// </summary>
public static class KillTiming
{
    private static readonly ConcurrentDictionary<string, List<double>> Seconds = new();

    /// <summary>Until a command has been timed, assume this much (the process start-up alone is a fair part of it).</summary>
    private const double DefaultSeconds = 1.0;

    public static TimeSpan DelayFor(string kind, Random random)
    {
        var typical = Typical(kind);
        // Anywhere from start-up to near the typical end; a kill planned past the end finds nothing to kill.
        return TimeSpan.FromSeconds(typical * (0.05 + 0.9 * random.NextDouble()));
    }

    public static void Record(string kind, TimeSpan elapsed)
    {
        var list = Seconds.GetOrAdd(kind, _ => []);
        lock (list)
        {
            list.Add(elapsed.TotalSeconds);
            if (list.Count > 20)
            {
                list.RemoveAt(0);
            }
        }
    }

    private static double Typical(string kind)
    {
        if (!Seconds.TryGetValue(kind, out var list))
        {
            return DefaultSeconds;
        }
        lock (list)
        {
            if (list.Count == 0)
            {
                return DefaultSeconds;
            }
            var sorted = list.Order().ToList();
            return sorted[sorted.Count / 2];
        }
    }
}
