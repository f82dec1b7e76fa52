using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Query;

/// <summary>
/// A query as a caller asks for it (read from Sleeper's query JSON by <see cref="QueryJson"/>): the regions to
/// read, the value fields to return, and the processing Sleeper attaches to a query.
/// </summary>
/// <param name="RequestedValueFields">The value fields to return besides the keys; null for all fields.</param>
/// <param name="ResultsPublisherConfig">Where Sleeper would publish the results; empty when not given.</param>
/// <param name="Warnings">Parts of the query that were accepted but have no effect here, one line each.</param>
public sealed record QueryRequest(
    string TableName,
    string? QueryId,
    IReadOnlyList<Region> Regions,
    IReadOnlyList<string>? RequestedValueFields,
    string? IteratorClassName,
    string? IteratorConfig,
    IReadOnlyDictionary<string, string> ResultsPublisherConfig,
    IReadOnlyList<string> Warnings)
{
    /// <summary>A query of the regions for all fields (or the given ones, in that order), with nothing else attached.</summary>
    public static QueryRequest ForRegions(string tableName, IReadOnlyList<Region> regions, IReadOnlyList<string>? fields = null) =>
        new(tableName, null, regions, null, null, null, new Dictionary<string, string>(), []) { Fields = fields };

    /// <summary>
    /// The caller's authorisations, which decide the rows of a table with a visibility field that the query may
    /// return. A server sets them from the authenticated user, never from the query body; empty sees only the
    /// rows visible to all.
    /// </summary>
    public IReadOnlyList<string> Authorisations { get; init; } = [];

    /// <summary>
    /// The fields to return, in this order (the CLI's <c>--fields</c>); when null the fields follow from
    /// <see cref="RequestedValueFields"/>.
    /// </summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>
    /// The fields each result row holds: every field when no value fields were requested, otherwise the row keys,
    /// the sort keys and then the requested value fields, as Sleeper returns them; <see cref="Fields"/> when it is set.
    /// </summary>
    public IReadOnlyList<string>? OutputFieldNames(TableSchema schema) =>
        Fields ?? (RequestedValueFields is null
            ? null
            : [.. schema.RowKeyFields.Concat(schema.SortKeyFields).Select(f => f.Name),
                .. RequestedValueFields.Where(name => schema.ValueFields.Any(f => f.Name == name))]);
}
