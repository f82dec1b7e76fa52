namespace Sleeper.CrashHarness;

/// <summary>What the harness knows of a batch of rows after the process that carried it ended.</summary>
public enum BatchOutcome
{
    /// <summary>The process that committed it (or queued its job) exited 0: every row must be there exactly once.</summary>
    Committed,

    /// <summary>It was killed or failed: all of its rows exactly once, or none of them; never some, never twice.</summary>
    AllOrNothing,

    /// <summary>It failed before it could commit anything (a spill to a full disk): none of its rows.</summary>
    NotCommitted,
}

/// <summary>One input file: rows with keys unique across the trial, written by one command or job.</summary>
public sealed class Batch(int number, string how, IReadOnlyList<string> keys)
{
    public int Number { get; } = number;

    /// <summary>How it was sent: "ingest", "ingest submit", "bulk-import", ...</summary>
    public string How { get; } = how;

    public IReadOnlyList<string> Keys { get; } = keys;

    public BatchOutcome Outcome { get; set; } = BatchOutcome.AllOrNothing;
}

/// <summary>Rows counted by the model check.</summary>
public sealed record RowCounts(long Checked, long Lost, long Duplicated);

/// <summary>
/// The reference model: every row the trial wrote, by batch, with what the harness may expect of it. Rows carry
/// unique keys, so a row read twice is a duplicate and a committed row not read is lost.
/// </summary>
public sealed class RowModel
{
    private readonly List<Batch> _batches = [];
    private int _nextRow;

    public IReadOnlyList<Batch> Batches => _batches;

    /// <summary>A new batch of <paramref name="rows"/> rows whose keys spread over the whole key space.</summary>
    public Batch NewBatch(Random random, int rows, string how)
    {
        var keys = new List<string>(rows);
        for (var i = 0; i < rows; i++)
        {
            keys.Add($"{(char)('a' + random.Next(26))}{_nextRow++:D7}");
        }
        var batch = new Batch(_batches.Count, how, keys);
        _batches.Add(batch);
        return batch;
    }

    /// <summary>Writes a batch as JSON lines: {"key":…,"batch":…}.</summary>
    public static string ToJsonLines(Batch batch) =>
        string.Concat(batch.Keys.Select(k => $"{{\"key\":\"{k}\",\"batch\":{batch.Number}}}\n"));

    /// <summary>Checks the rows read back against the model; adds a violation for every batch that breaks its rule.</summary>
    public RowCounts Check(IReadOnlyDictionary<string, int> found, List<Violation> violations)
    {
        long lost = 0, duplicated = 0, total = 0;
        var known = new HashSet<string>();
        foreach (var batch in _batches)
        {
            var present = 0;
            var copies = 0;
            foreach (var key in batch.Keys)
            {
                known.Add(key);
                var count = found.GetValueOrDefault(key);
                if (count > 0)
                {
                    present++;
                    copies += count - 1;
                }
            }
            total += batch.Keys.Count;
            duplicated += copies;
            if (copies > 0)
            {
                violations.Add(new Violation(ViolationKind.Duplicated,
                    $"batch {batch.Number} ({batch.How}, {batch.Outcome}): {copies} extra copies of its {batch.Keys.Count} rows"));
            }
            var missing = batch.Keys.Count - present;
            if (batch.Outcome == BatchOutcome.Committed && missing > 0)
            {
                lost += missing;
                violations.Add(new Violation(ViolationKind.Lost,
                    $"batch {batch.Number} ({batch.How}) was committed, but {missing} of its {batch.Keys.Count} rows are missing"));
            }
            else if (batch.Outcome == BatchOutcome.NotCommitted && present > 0)
            {
                violations.Add(new Violation(ViolationKind.Phantom,
                    $"batch {batch.Number} ({batch.How}) failed before it could commit, yet {present} of its {batch.Keys.Count} rows are there"));
            }
            else if (batch.Outcome == BatchOutcome.AllOrNothing && present > 0 && missing > 0)
            {
                lost += missing;
                violations.Add(new Violation(ViolationKind.Partial,
                    $"batch {batch.Number} ({batch.How}, killed or failed) is partly there: {present} of {batch.Keys.Count} rows"));
            }
        }
        var strangers = found.Keys.Count(k => !known.Contains(k));
        if (strangers > 0)
        {
            violations.Add(new Violation(ViolationKind.Phantom, $"{strangers} rows that no batch wrote"));
        }
        return new RowCounts(total, lost, duplicated);
    }
}
