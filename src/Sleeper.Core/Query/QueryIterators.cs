using Sleeper.Core.Iterators;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Query;

/// <summary>
/// What a query adds to the table's own iterators (<see cref="TableIterators"/>), in the order it applies after
/// them: the query-time iterator the query names by class and config string. They see whole rows of the table.
/// </summary>
public static class QueryIterators
{
    /// <summary>Builds and checks them before any data is read, so a bad query fails before it costs anything.</summary>
    public static IReadOnlyList<ISortedBatchIterator> Create(TableSchema schema, SleeperProperties tableProperties, QueryRequest request, IteratorLoader? loader = null)
    {
        var iterators = new List<ISortedBatchIterator>();
        if (!string.IsNullOrWhiteSpace(request.IteratorClassName))
        {
            loader ??= new IteratorLoader([]);
            iterators.Add(loader.Create(request.IteratorClassName.Trim(), request.IteratorConfig, schema));
        }
        return iterators;
    }
}
