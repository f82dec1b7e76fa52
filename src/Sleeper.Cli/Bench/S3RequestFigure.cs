using Sleeper.Aws;

namespace Sleeper.Cli.Bench;

/// <summary>
/// S3 requests one kind of operation cost on the services instance, read from the store's request counters
/// around it: the counts over <see cref="Operations"/> operations, reported per operation.
/// </summary>
public sealed record S3RequestFigure(string Operation, long Operations, S3RequestCounts Counts, string Notes)
{
    public double Per(long count) => count / (double)Math.Max(Operations, 1);
}
