using System.Globalization;
using Apache.Arrow;
using Sleeper.Core.Iterators;
using Sleeper.Core.Schema;

namespace Sleeper.Compaction.Tests.Iterator;

/// <summary>A columnar iterator that passes batches on until it has seen the configured number of rows, then throws: a task failing mid-job.</summary>
public sealed class FailAfterRows : IConfigurableIterator
{
    private long _limit;

    public void Init(string config, TableSchema schema) => _limit = long.Parse(config, CultureInfo.InvariantCulture);

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        long seen = 0;
        foreach (var batch in sortedBatches)
        {
            seen += batch.Length;
            if (seen > _limit)
            {
                throw new InvalidOperationException($"Injected failure after {_limit} rows.");
            }
            yield return batch;
        }
    }
}
