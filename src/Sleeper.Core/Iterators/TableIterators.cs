using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// The iterators a table's properties ask for, in the order they apply: filters (<c>sleeper.table.filters</c>),
/// then aggregation (<c>sleeper.table.aggregations</c>), then the custom iterator
/// (<c>sleeper.table.iterator.class.name</c> with <c>sleeper.table.iterator.config</c>).
/// </summary>
public static class TableIterators
{
    /// <summary>Builds and checks them all before any data is read, so a bad configuration fails fast.</summary>
    public static IReadOnlyList<ISortedBatchIterator> Create(TableSchema schema, SleeperProperties tableProperties, TimeProvider? time = null, IteratorLoader? loader = null)
    {
        var iterators = new List<ISortedBatchIterator>();
        iterators.AddRange(AgeOffFilter.Parse(tableProperties.Get(TableProperty.Filters), schema, time));
        if (Aggregator.Parse(tableProperties.Get(TableProperty.Aggregations), schema, Security.VisibilityField.NameIn(tableProperties)) is { } aggregator)
        {
            iterators.Add(aggregator);
        }
        var className = tableProperties.Get(TableProperty.IteratorClassName);
        if (!string.IsNullOrWhiteSpace(className))
        {
            loader ??= new IteratorLoader([]);
            iterators.Add(loader.Create(className.Trim(), tableProperties.Get(TableProperty.IteratorConfig), schema, $"table property {TableProperty.IteratorClassName.Name}"));
        }
        return iterators;
    }

    /// <summary>The batches with every iterator applied in turn.</summary>
    public static IEnumerable<Apache.Arrow.RecordBatch> Apply(IEnumerable<Apache.Arrow.RecordBatch> sortedBatches, IReadOnlyList<ISortedBatchIterator> iterators)
    {
        foreach (var iterator in iterators)
        {
            sortedBatches = iterator.Apply(sortedBatches);
        }
        return sortedBatches;
    }
}
