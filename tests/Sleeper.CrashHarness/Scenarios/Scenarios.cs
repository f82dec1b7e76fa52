namespace Sleeper.CrashHarness.Scenarios;

/// <summary>Every scenario the harness knows, in the order a run cycles through them.</summary>
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

    public static IScenario Named(string name) =>
        List.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No scenario is named '{name}'; the scenarios are {string.Join(", ", List.Select(s => s.Name))}.");
}
