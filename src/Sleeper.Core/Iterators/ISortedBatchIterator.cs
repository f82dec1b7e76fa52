using Apache.Arrow;

namespace Sleeper.Core.Iterators;

/// <summary>
/// A step applied to a table's rows as they stream in key order through compaction: it may drop, combine or
/// change rows, but must keep them sorted and in the table's columns. It owns the batches it is given and may
/// dispose any it does not pass on.
/// </summary>
public interface ISortedBatchIterator
{
    IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches);
}
