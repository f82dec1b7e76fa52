using Sleeper.Core.Keys;

namespace Sleeper.Client;

/// <summary>
/// What to read from a table, as in Sleeper's clients: exact keys, a range of the first row key, or regions over
/// several row keys; the value fields to return; and the caller's authorisations. Built without the table's schema,
/// so values are checked against it when the query runs (<see cref="InvalidQueryException"/>).
/// </summary>
/// <remarks>
/// Several keys or regions in one query are read together, each file opened once, and the rows come back in key
/// order, each once, even where regions overlap.
/// </remarks>
public sealed record SleeperQuery
{
    private SleeperQuery(IReadOnlyList<Key> keys, IReadOnlyList<QueryRegion> regions)
    {
        Keys = keys;
        Regions = regions;
    }

    /// <summary>Exact keys: each a full <see cref="Key"/>, one value per row-key field.</summary>
    public IReadOnlyList<Key> Keys { get; }

    /// <summary>Regions (ranges by row-key field); a range query is a region on the first row key.</summary>
    public IReadOnlyList<QueryRegion> Regions { get; }

    /// <summary>
    /// The fields each returned row holds, in this order; null for every field of the table. Unlike Sleeper's
    /// requested value fields, the keys are not added: name them too if they are wanted.
    /// </summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>
    /// The caller's authorisations: on a table with a visibility field, only the rows whose access expression they
    /// satisfy are returned. Empty sees only the rows visible to all. Set them from the authenticated user.
    /// </summary>
    public IReadOnlyList<string> Authorisations { get; init; } = [];

    /// <summary>An id for the query, for logs and trackers; a new one when null.</summary>
    public string? QueryId { get; init; }

    /// <summary>A query-time iterator's class name (applied after the table's own filters, aggregation and iterator), or null.</summary>
    public string? IteratorClassName { get; init; }

    /// <summary>The query-time iterator's configuration string.</summary>
    public string? IteratorConfig { get; init; }

    /// <summary>
    /// Exact keys of a table with one row-key field: each value is one key (a string, int, long or byte[]; an int is
    /// taken for a long key). For several row-key fields, give <see cref="Key"/>s (<see cref="ForKeys(IEnumerable{Key})"/>).
    /// </summary>
    public static SleeperQuery ForKeys(params object[] keys) =>
        new(keys.Select(k => k as Key ?? new Key([k])).ToList(), []);

    /// <summary>Exact keys, each with a value per row-key field in the schema's order.</summary>
    public static SleeperQuery ForKeys(IEnumerable<Key> keys) => new(keys.ToList(), []);

    /// <summary>
    /// A range of the first row key, min inclusive and max exclusive by default (null for unbounded); other row keys
    /// are unbounded.
    /// </summary>
    public static SleeperQuery ForRange(object? min, object? max, bool minInclusive = true, bool maxInclusive = false) =>
        new([], [new QueryRegion(new Dictionary<string, QueryRange> { [FirstRowKey] = new QueryRange(min, max, minInclusive, maxInclusive) })]);

    /// <summary>Regions by row-key field name; fields a region leaves out are unbounded.</summary>
    public static SleeperQuery ForRegions(params QueryRegion[] regions) => new([], regions.ToList());

    /// <summary>Every row of the table.</summary>
    public static SleeperQuery All() => new([], [new QueryRegion(new Dictionary<string, QueryRange>())]);

    /// <summary>Stands for the first row-key field, whatever its name, in a range made by <see cref="ForRange"/>.</summary>
    internal const string FirstRowKey = "\0first-row-key";
}
