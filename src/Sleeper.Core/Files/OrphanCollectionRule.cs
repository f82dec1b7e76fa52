using Sleeper.Core.Properties;
using Sleeper.Core.Tables;

namespace Sleeper.Core.Files;

/// <summary>
/// The rule that lets garbage collection delete data files no transaction references (orphans: outputs of a
/// job that died or failed before its commit) without ever deleting a file a commit in flight is about to
/// reference. Both sides read it from the table's sleeper.table.gc.orphan.delay.minutes:
/// <list type="bullet">
/// <item>garbage collection deletes an unreferenced file only when its object is older than the delay, and
/// lists the objects before it reads the state store;</item>
/// <item>a writer commits files only within half the delay of when it began writing them
/// (<see cref="EnsureCanCommit"/>).</item>
/// </list>
/// A commit that lands after the collector read the state began at most half the delay after its files
/// were written, so, for the collector to find them older than the delay, that commit would have to take
/// more than the other half of the delay from its check to its append. The margin also absorbs clock skew
/// between the writer and the store. See docs/reliability.md, "Orphan collection".
/// </summary>
public sealed class OrphanCollectionRule
{
    public OrphanCollectionRule(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "The orphan delay must be positive.");
        }
        Delay = delay;
    }

    /// <summary>The rule of a table, from its sleeper.table.gc.orphan.delay.minutes.</summary>
    public static OrphanCollectionRule For(SleeperProperties tableProperties) =>
        new(TimeSpan.FromMinutes(tableProperties.GetInt(TableProperty.GcOrphanDelayMinutes)));

    /// <summary>How old an unreferenced object must be before garbage collection deletes it.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The longest a writer may take from starting to write its files to checking, just before it commits them.</summary>
    public TimeSpan LongestWrite => Delay / 2;

    /// <summary>Whether an unreferenced object last written at <paramref name="lastModified"/> may be deleted at <paramref name="now"/>.</summary>
    public bool MayDelete(DateTimeOffset lastModified, DateTimeOffset now) => now - lastModified > Delay;

    /// <summary>
    /// Called by every writer just before it commits files it wrote (ingest, bulk import, compaction): refuses
    /// when it began writing them more than <see cref="LongestWrite"/> ago, because by the time the commit
    /// lands, garbage collection may have deleted them as orphans. The job fails instead and, being retried,
    /// writes fresh files; nothing it wrote is referenced.
    /// </summary>
    /// <param name="writingStarted">When the writer started writing the oldest of the files, by its own clock.</param>
    public void EnsureCanCommit(string tableName, DateTimeOffset writingStarted, DateTimeOffset now) =>
        EnsureCanCommit(tableName, now - writingStarted);

    /// <summary>As above, for a writer that has been writing for <paramref name="writingFor"/> (a stopwatch's elapsed time).</summary>
    public void EnsureCanCommit(string tableName, TimeSpan writingFor)
    {
        if (writingFor > LongestWrite)
        {
            throw new FilesTooOldToCommitException(tableName, writingFor, LongestWrite);
        }
    }

    /// <summary>The one-line guard for a writer about to commit files to <paramref name="table"/>.</summary>
    public static void EnsureCanCommit(SleeperTable table, DateTimeOffset writingStarted, TimeProvider time) =>
        For(table.Properties).EnsureCanCommit(table.Name, writingStarted, time.GetUtcNow());

    /// <summary>The one-line guard for a writer that has been writing for <paramref name="writingFor"/> (a stopwatch's elapsed time).</summary>
    public static void EnsureCanCommit(SleeperTable table, TimeSpan writingFor) =>
        For(table.Properties).EnsureCanCommit(table.Name, writingFor);
}

/// <summary>A writer took so long that its files may already have been collected as orphans; it must not commit them.</summary>
public sealed class FilesTooOldToCommitException(string tableName, TimeSpan age, TimeSpan longest)
    : SleeperException(
        $"Refusing to commit files to table '{tableName}': they were begun {age.TotalMinutes:F0} minutes ago, more than the " +
        $"{longest.TotalMinutes:F0} minutes (half of sleeper.table.gc.orphan.delay.minutes) after which garbage collection may " +
        "delete them as orphans. Raise sleeper.table.gc.orphan.delay.minutes above twice the longest job, or make the job smaller.")
{
    public string TableName { get; } = tableName;
}
