using System.Runtime.CompilerServices;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Iterators;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Query;

/// <summary>
/// Runs queries against a table's current files. The planner picks the leaf partitions that meet the query's
/// regions and the files referenced from each leaf and its ancestors; of each file only the row groups whose
/// key statistics can match are read, only the rows inside both the leaf and a query region are kept, and
/// all the pieces are merged in key order. A file referenced from several leaves yields each row once,
/// because every leaf keeps only the rows inside its own region.
/// </summary>
public sealed class QueryExecutor(SleeperTable table, TimeProvider? time = null, IteratorLoader? iteratorLoader = null)
{
    private const int OutputBatchRows = 16 * 1024;

    /// <summary>
    /// Where the footers of files read through a stream (S3) are kept between queries, so a warm query pays no
    /// request for a file's length or footer; the process's shared cache unless the caller gives another, or
    /// null to read every footer afresh.
    /// </summary>
    public ParquetFooterCache? Footers { get; init; } = ParquetFooterCache.Shared;

    /// <summary>Counts of what the last query read, to show that pruning works.</summary>
    public QueryStatistics LastStatistics { get; private set; } = new();

    public IReadOnlyList<Field> OutputFields(IReadOnlyList<string>? fields) =>
        fields is null ? table.Schema.AllFields : fields.Select(table.Schema.GetField).ToList();

    /// <summary>Rows in key then sort-key order, as batches of the requested fields (all fields if null), each row once.</summary>
    public IAsyncEnumerable<RecordBatch> RunAsync(
        IReadOnlyList<Region> regions, IReadOnlyList<string>? fields = null, CancellationToken cancellationToken = default) =>
        RunAsync(QueryRequest.ForRegions(table.Name, regions, fields), cancellationToken);

    /// <summary>
    /// The rows of the request's regions in key then sort-key order, each once, as batches of its output fields:
    /// the table's filters, aggregation and iterator applied, then the query's own iterators.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> RunAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var schema = table.Schema;
        var regions = request.Regions;
        var fields = request.OutputFieldNames(schema);
        // An unknown field is the caller's mistake, named before anything is read.
        _ = OutputFields(fields);
        // The table's filters, aggregation and iterator apply to reads as to compaction, so a query gives the
        // same answer before and after a compaction. They see whole rows.
        var iterators = TableIterators.Create(schema, table.Properties, time, iteratorLoader)
            .Concat(QueryIterators.Create(schema, table.Properties, request, iteratorLoader)).ToList();
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var plan = QueryPlanner.Plan(state, regions);
        // Key columns are always read: they decide the region filter and the merge order.
        var readSchema = fields is null || iterators.Count > 0 ? schema : new TableSchema(schema.RowKeyFields, schema.SortKeyFields,
            schema.ValueFields.Where(f => fields.Contains(f.Name)));
        var readColumns = readSchema.AllFields.Select(f => f.Name).ToList();
        var statistics = new QueryStatistics { LeafPartitions = plan.Count };
        LastStatistics = statistics;
        // A file referenced from several leaves is read once, keeping the rows of every leaf that asks for it.
        var files = plan
            .SelectMany(leaf => leaf.Files.Select(file => (File: file, Leaf: leaf)))
            .GroupBy(x => x.File, StringComparer.Ordinal)
            .ToList();
        // Opened up front, through the store: the merge reads the first batch of every file before it yields anything anyway.
        var readers = new List<SortedParquetReader>(files.Count);
        try
        {
            foreach (var file in files)
            {
                readers.Add(await SortedParquetReader.OpenAsync(table.Objects, file.Key, table.Schema, Footers, cancellationToken: cancellationToken));
                statistics.FilesRead++;
            }
            var inputs = files
                .Select((g, i) => ReadFile(readers[i], g.Select(x => x.Leaf).ToList(), readSchema, readColumns, statistics, cancellationToken))
                .ToList();
            IEnumerable<RecordBatch> merged = inputs.Count == 1 ? inputs[0] : new StreamingBatchMerger(readSchema, OutputBatchRows).Merge(inputs);
            if (iterators.Count > 0)
            {
                merged = TableIterators.Apply(merged, iterators);
            }
            var projection = fields?.Select(f => readSchema.IndexOf(f)).ToArray();
            foreach (var batch in merged)
            {
                cancellationToken.ThrowIfCancellationRequested();
                statistics.RowsReturned += batch.Length;
                yield return projection is null ? batch : Project(batch, projection);
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    private IEnumerable<RecordBatch> ReadFile(SortedParquetReader reader, IReadOnlyList<LeafPartitionQuery> leaves, TableSchema readSchema, IReadOnlyList<string> columns,
        QueryStatistics statistics, CancellationToken cancellationToken)
    {
        var rowGroups = new List<int>();
        foreach (var group in reader.RowGroups)
        {
            if (leaves.Any(leaf => MayMatch(group, leaf.Leaf.Region) && leaf.Regions.Any(r => MayMatch(group, r))))
            {
                rowGroups.Add(group.Index);
            }
        }
        if (rowGroups.Count > 0 && leaves.All(l => l.Regions.All(IsExactFirstKey)))
        {
            // A lookup: most candidate row groups hold no such key. Decoding only the row-key columns to find
            // out is far cheaper than decoding every column of each.
            rowGroups = rowGroups.Where(g => RowKeysMatch(reader, g, leaves, cancellationToken)).ToList();
        }
        statistics.RowGroupsRead += rowGroups.Count;
        statistics.RowGroupsSkipped += reader.RowGroups.Count - rowGroups.Count;
        foreach (var batch in reader.ReadRowGroupsAsync(rowGroups, columns, cancellationToken).ToBlockingEnumerable(cancellationToken))
        {
            statistics.RowsScanned += batch.Length;
            var selected = Select(batch, readSchema, leaves);
            if (selected is null)
            {
                yield return batch;
                continue;
            }
            using (batch)
            {
                if (selected.Length > 0)
                {
                    yield return BatchTake.Take(batch, selected);
                }
            }
        }
    }

    private bool RowKeysMatch(SortedParquetReader reader, int rowGroup, IReadOnlyList<LeafPartitionQuery> leaves, CancellationToken cancellationToken)
    {
        var keySchema = new TableSchema(table.Schema.RowKeyFields);
        var keyColumns = keySchema.AllFields.Select(f => f.Name).ToList();
        foreach (var batch in reader.ReadRowGroupsAsync([rowGroup], keyColumns, cancellationToken).ToBlockingEnumerable(cancellationToken))
        {
            using (batch)
            {
                if (batch.Length > 0 && Select(batch, keySchema, leaves) is not { Length: 0 })
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool IsExactFirstKey(Region region) =>
        region[0].Max is { } max && region[0].MinInclusive && region[0].MaxInclusive
        && Core.Keys.KeyValues.Compare(region[0].Field.PrimitiveType, region[0].Min, max) == 0;

    /// <summary>Rows inside some leaf and one of its query regions, in order and each once; null when that is every row.</summary>
    private static int[]? Select(RecordBatch batch, TableSchema schema, IReadOnlyList<LeafPartitionQuery> leaves)
    {
        if (leaves.Count == 1 && leaves[0].Regions.Count == 1)
        {
            var rows = RegionFilter.Select(batch, schema, leaves[0].Leaf.Region, leaves[0].Regions[0]);
            return rows.Length == batch.Length ? null : rows;
        }
        // Leaves are disjoint but query regions may overlap: mark rows so that each is kept once.
        var keep = new bool[batch.Length];
        var count = 0;
        foreach (var leaf in leaves)
        {
            foreach (var region in leaf.Regions)
            {
                foreach (var row in RegionFilter.Select(batch, schema, leaf.Leaf.Region, region))
                {
                    if (!keep[row])
                    {
                        keep[row] = true;
                        count++;
                    }
                }
            }
        }
        if (count == batch.Length)
        {
            return null;
        }
        var selected = new int[count];
        for (int row = 0, i = 0; row < keep.Length; row++)
        {
            if (keep[row])
            {
                selected[i++] = row;
            }
        }
        return selected;
    }

    /// <summary>Whether a row group's min/max statistics on the row-key columns allow a row in the region.</summary>
    private static bool MayMatch(RowGroupInfo group, Region region)
    {
        for (var d = 0; d < region.Ranges.Count; d++)
        {
            var stats = group.KeyStatistics[d];
            if (stats.Min is not null && stats.Max is not null && !region[d].OverlapsClosed(stats.Min, stats.Max))
            {
                return false;
            }
        }
        return true;
    }

    private static RecordBatch Project(RecordBatch batch, int[] columns)
    {
        using (batch)
        {
            var arrays = columns.Select(c => batch.Column(c)).ToList();
            var schema = new Apache.Arrow.Schema(columns.Select(c => batch.Schema.GetFieldByIndex(c)), null);
            // The projected batch shares buffers with the original; clone the array data so disposal is independent.
            return new RecordBatch(schema, arrays.Select(a => ArrowArrayFactory.BuildArray(a.Data.Clone())), batch.Length);
        }
    }
}

/// <summary>What a query read and returned.</summary>
public sealed class QueryStatistics
{
    public int LeafPartitions { get; set; }
    public int FilesRead { get; set; }
    public int RowGroupsRead { get; set; }
    public int RowGroupsSkipped { get; set; }
    public long RowsScanned { get; set; }
    public long RowsReturned { get; set; }
}
