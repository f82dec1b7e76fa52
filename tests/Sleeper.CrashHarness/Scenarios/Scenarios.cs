namespace Sleeper.CrashHarness.Scenarios;

/// <summary>Every scenario the harness knows: those a run cycles through, in order, and those it runs only when named.</summary>
public static class AllScenarios
{
    public static IReadOnlyList<IScenario> List { get; } =
    [
        new DirectIngest(),
        new QueuedJobs("ingest"),
        new DirectBulkImport(),
        new QueuedJobs("bulk-import"),
        new Compaction(queued: false),
        new Compaction(queued: true),
        new Splitting(),
        new GarbageCollection(),
        new CommitStorm(),
        new Mix(),
        new LogFaults("ingest"),
        new LogFaults("bulk-import"),
        new LogFaults("compaction"),
        new InProcessCommitStorm(),
        new ScratchDiskFull("ingest"),
        new ScratchDiskFull("bulk-import"),
    ];

    /// <summary>
    /// Scenarios a run includes only when named with --scenario: <c>fleet</c> takes most of a minute a trial (its
    /// client runs for 15 s and its workers wait out their idle timeout), ten times a kill trial.
    /// </summary>
    public static IReadOnlyList<IScenario> OnlyWhenNamed { get; } = [new Fleet()];

    public static IScenario Named(string name) =>
        List.Concat(OnlyWhenNamed).FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No scenario is named '{name}'; the scenarios are {string.Join(", ", List.Concat(OnlyWhenNamed).Select(s => s.Name))}.");
}
