using Apache.Arrow;
using Sleeper.Core.Iterators;
using Sleeper.Core.Schema;

namespace Sleeper.Compaction.Tests.Iterator;

/// <summary>
/// A columnar iterator that holds each batch back while the file its configuration names exists (for at most a
/// minute): a job that stays in progress for as long as a test needs, for example to stop its process mid-job.
/// </summary>
public sealed class StallWhileFileExists : IConfigurableIterator
{
    private static readonly TimeSpan MostStall = TimeSpan.FromMinutes(1);

    private string _path = "";

    public void Init(string config, TableSchema schema) => _path = config;

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        foreach (var batch in sortedBatches)
        {
            var stalled = System.Diagnostics.Stopwatch.StartNew();
            while (File.Exists(_path) && stalled.Elapsed < MostStall)
            {
                Thread.Sleep(20);
            }
            yield return batch;
        }
    }
}
