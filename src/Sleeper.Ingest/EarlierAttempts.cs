using Sleeper.Core.Storage;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tracking;

namespace Sleeper.Ingest;

/// <summary>
/// What earlier attempts at an ingest job left behind: whether one of them committed it, and the files of any
/// that wrote its data and then died before committing.
/// </summary>
/// <remarks>
/// The ingest worker records an attempt's output files (on its Finished event) before it commits them, and a
/// Failed event before it deletes them. So for an attempt with output files and no later Failed event from its
/// task, the table tells what happened: if any of those files is in the state store, or gone from disk (it was
/// committed, then compacted and garbage collected), the commit went through; if all are on disk and none is
/// in the state store, it did not.
/// </remarks>
public sealed record EarlierAttempts(bool Committed, string? Evidence, IReadOnlyList<EarlierAttempts.Abandoned> Uncommitted)
{
    /// <summary>An attempt that wrote its files and died before it committed them.</summary>
    public sealed record Abandoned(string? TaskId, IReadOnlyList<string> Files);

    /// <summary>As <see cref="Assess(IReadOnlyList{JobEvent}, StateStoreState, Func{string, bool})"/>, asking the table's store which output files still exist.</summary>
    public static async Task<EarlierAttempts> AssessAsync(IReadOnlyList<JobEvent> events, StateStoreState state, IObjectStore store, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in events.Where(e => e.Kind == JobEventKind.Finished).SelectMany(e => e.OutputFiles ?? []).Distinct(StringComparer.Ordinal))
        {
            if (await store.GetInfoAsync(file, cancellationToken).ConfigureAwait(false) is not null)
            {
                existing.Add(file);
            }
        }
        return Assess(events, state, existing.Contains);
    }

    /// <param name="events">The job's tracked events in the order they were recorded.</param>
    /// <param name="fileExists">Whether a data file (named as in file references) is still on disk.</param>
    public static EarlierAttempts Assess(IReadOnlyList<JobEvent> events, StateStoreState state, Func<string, bool> fileExists)
    {
        if (events.Any(e => e.Kind == JobEventKind.Committed))
        {
            return new EarlierAttempts(true, "the job tracker records its commit", []);
        }
        var uncommitted = new List<Abandoned>();
        for (var i = 0; i < events.Count; i++)
        {
            var finished = events[i];
            if (finished.Kind != JobEventKind.Finished || finished.OutputFiles is not { Count: > 0 } outputs)
            {
                continue;
            }
            if (events.Skip(i + 1).Any(e => e.Kind == JobEventKind.Failed && e.TaskId == finished.TaskId))
            {
                // That attempt said it failed before it deleted its files: it never committed.
                continue;
            }
            if (outputs.Any(state.Files.ContainsKey))
            {
                return new EarlierAttempts(true, $"the files written by task {finished.TaskId} are in the table", []);
            }
            if (!outputs.All(fileExists))
            {
                return new EarlierAttempts(true, $"the files written by task {finished.TaskId} were committed, then compacted and garbage collected", []);
            }
            uncommitted.Add(new Abandoned(finished.TaskId, outputs));
        }
        return new EarlierAttempts(false, null, uncommitted);
    }
}
