using Sleeper.Core.Iterators;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;

namespace Sleeper.Core.Query;

/// <summary>
/// What a query adds to the table's own iterators (<see cref="TableIterators"/>), in the order it applies after
/// them: first, on a table with a visibility field, the <see cref="VisibilityFilter"/> built from the query's
/// authorisations; then the query-time iterator the query names by class and config string. The filter comes
/// first and nothing in a request can leave it out, so code a query supplies never sees a row its caller may not.
/// They see whole rows of the table.
/// </summary>
public static class QueryIterators
{
    /// <summary>What a query's errors call its own iterator, so they do not send the user to the table's property.</summary>
    public const string QueryIteratorSource = "the query's iterator (queryTimeIteratorClassName)";

    /// <summary>Builds and checks them before any data is read, so a bad query fails before it costs anything.</summary>
    /// <exception cref="AuthorisationsException">An authorisation of the request is empty or not Unicode text.</exception>
    public static IReadOnlyList<ISortedBatchIterator> Create(TableSchema schema, SleeperProperties tableProperties, QueryRequest request, IteratorLoader? loader = null)
    {
        var iterators = new List<ISortedBatchIterator>();
        // Checked on every table, so a caller's mistake shows whether or not this table has labels.
        var authorisations = new Authorisations(request.Authorisations);
        // Built from the table's properties alone: whatever the request holds, a table with a visibility field
        // gets the filter.
        if (VisibilityField.IndexIn(schema, tableProperties) is { } column)
        {
            iterators.Add(new VisibilityFilter(schema.AllFields[column].Name, authorisations));
        }
        if (!string.IsNullOrWhiteSpace(request.IteratorClassName))
        {
            loader ??= new IteratorLoader([]);
            iterators.Add(loader.Create(request.IteratorClassName.Trim(), request.IteratorConfig, schema, QueryIteratorSource));
        }
        return iterators;
    }
}
