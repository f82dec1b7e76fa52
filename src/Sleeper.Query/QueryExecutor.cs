using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Iterators;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;
using Sleeper.Core.Tables;
using Sleeper.Core.StateStore;
using Sleeper.Parquet;
using Sleeper.Parquet.Pages;
using Sleeper.Core.Telemetry;

namespace Sleeper.Query;

/// <summary>
/// Runs queries against a table's current files; one executor serves any number of concurrent queries (it holds
/// no per-query state). The plan comes from the table's shared read state (<see cref="TransactionLogStateStore.GetReadStateAsync"/>)
/// and the plan index cached with it: the leaf partitions that meet the query's regions and the files referenced
/// from each leaf and its ancestors, all regions planned together and each file opened once. Of each file only the
/// row groups whose key statistics can match are read; where the query's ranges of the first row key cover a
/// small part of a row group, only the pages that can hold them are read (the files' page index, see
/// <see cref="PageRowReader"/>), otherwise the row group is decoded whole. Only the rows inside both the leaf and a
/// query region are kept, and the pieces are merged in key order as they stream. A file referenced from several
/// leaves yields each row once, because every leaf keeps only the rows inside its own region.
/// </summary>
public sealed class QueryExecutor(SleeperTable table, TimeProvider? time = null, IteratorLoader? iteratorLoader = null)
{
    private const int OutputBatchRows = 16 * 1024;

    /// <summary>How often a query re-plans against a newer state when a file it planned to read was deleted meanwhile.</summary>
    private const int MaxPlanAttempts = 5;

    /// <summary>The most files one query opens and reads pages of at once: the cores, so one query cannot flood the thread pool.</summary>
    private static readonly int MaxParallelFiles = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Rows of a file's narrow reads decoded while it is opened rather than when the merge reaches it (bounding what a query holds).</summary>
    private const int PrefetchRows = 4096;

    /// <summary>Rows in one batch read from a whole row group: small enough that a few leaves decoded ahead hold little.</summary>
    private const int ReadBatchRows = 16 * 1024;

    /// <summary>Batches a group of leaves decoded on its own thread may hold ready before the reader takes them.</summary>
    private const int AheadBatches = 4;

    /// <summary>
    /// Where the footers of files read through a stream (S3) are kept between queries, so a warm query pays no
    /// request for a file's length or footer; the process's shared cache unless the caller gives another, or
    /// null to read every footer afresh.
    /// </summary>
    public ParquetFooterCache? Footers { get; init; } = ParquetFooterCache.Shared;

    /// <summary>
    /// Where files' page locations and page indexes are kept between queries, for reading single pages; the
    /// process's shared cache unless the caller gives another, or null to always read whole row groups.
    /// </summary>
    public ParquetPageCache? Pages { get; init; } = ParquetPageCache.Shared;

    /// <summary>
    /// The statistics of the query started last on this executor. With concurrent queries it is any one of them:
    /// pass a <see cref="QueryStatistics"/> to <see cref="RunAsync(QueryRequest, QueryStatistics?, CancellationToken)"/> to get a query's own.
    /// </summary>
    public QueryStatistics LastStatistics { get; private set; } = new();

    /// <summary>For tests: runs after a query has planned and before it opens its files, to make a race happen.</summary>
    internal Func<Task>? AfterPlanning { get; set; }

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
    public IAsyncEnumerable<RecordBatch> RunAsync(QueryRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(request, null, cancellationToken);

    /// <summary>As <see cref="RunAsync(QueryRequest, CancellationToken)"/>, counting what it reads in <paramref name="statistics"/> (this query's own).</summary>
    public async IAsyncEnumerable<RecordBatch> RunAsync(QueryRequest request, QueryStatistics? statistics, [EnumeratorCancellation] CancellationToken cancellationToken = default)
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
        // Key columns are always read: they decide the region filter and the merge order.
        var readSchema = fields is null || iterators.Count > 0 ? schema : new TableSchema(schema.RowKeyFields, schema.SortKeyFields,
            schema.ValueFields.Where(f => fields.Contains(f.Name)));
        var readColumns = readSchema.AllFields.Select(f => f.Name).ToList();
        statistics ??= new QueryStatistics();
        LastStatistics = statistics;
        var started = (time ?? TimeProvider.System).GetTimestamp();
        var rows = 0L;
        using var span = SleeperTelemetry.Source.StartActivity("query.execute");
        span?.SetTag("sleeper.table", table.Name);
        span?.SetTag("sleeper.query.regions", regions.Count);
        var sources = await OpenAsync(regions, readSchema, statistics, cancellationToken);
        try
        {
            IEnumerable<RecordBatch> merged = Merge(sources, readSchema, readColumns, statistics, cancellationToken);
            if (iterators.Count > 0)
            {
                merged = TableIterators.Apply(merged, iterators);
            }
            var projection = fields?.Select(f => readSchema.IndexOf(f)).ToArray();
            foreach (var batch in merged)
            {
                cancellationToken.ThrowIfCancellationRequested();
                statistics.RowsReturned += batch.Length;
                rows += batch.Length;
                yield return projection is null ? batch : Project(batch, projection);
            }
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
            var tableTag = new KeyValuePair<string, object?>("table", table.Name);
            SleeperTelemetry.RowsQueried.Add(rows, tableTag);
            SleeperTelemetry.QueryDuration.Record((time ?? TimeProvider.System).GetElapsedTime(started).TotalSeconds, tableTag);
            span?.SetTag("sleeper.rows", rows);
        }
    }

    /// <summary>
    /// The files' rows in key order. When the leaves are cut on the first row key only (always so for one row
    /// key), leaves that share no file are disjoint ranges of it: each group of leaves joined by shared files is
    /// merged on its own (one input as it is), and the groups follow one another in key order, so a scan over many
    /// leaves merges a leaf's few files at a time instead of all of them at once. Otherwise all files are merged.
    /// </summary>
    private IEnumerable<RecordBatch> Merge(List<FileSource> sources, TableSchema readSchema, IReadOnlyList<string> columns, QueryStatistics statistics, CancellationToken cancellationToken)
    {
        IEnumerable<RecordBatch> MergeAll(IReadOnlyList<FileSource> group)
        {
            var inputs = group.Select(source => ReadFile(source, readSchema, columns, statistics, cancellationToken)).ToList();
            return inputs.Count == 1 ? inputs[0] : new StreamingBatchMerger(readSchema, OutputBatchRows).Merge(inputs);
        }
        var leaves = sources.SelectMany(s => s.Leaves).Select(l => l.Leaf).DistinctBy(l => l.Id).ToList();
        if (sources.Count <= 1 || !leaves.All(l => l.Region.Ranges.Skip(1).All(IsWhole)))
        {
            return MergeAll(sources);
        }
        // Union the leaves that share a file.
        var parent = leaves.ToDictionary(l => l.Id, l => l.Id, StringComparer.Ordinal);
        string Find(string id) => parent[id] == id ? id : parent[id] = Find(parent[id]);
        foreach (var source in sources)
        {
            var first = Find(source.Leaves[0].Leaf.Id);
            foreach (var other in source.Leaves.Skip(1))
            {
                parent[Find(other.Leaf.Id)] = first;
            }
        }
        var type = readSchema.RowKeyFields[0].PrimitiveType;
        var order = Comparer<object>.Create((a, b) => Core.Keys.KeyValues.Compare(type, a, b));
        var byRange = sources
            .GroupBy(s => Find(s.Leaves[0].Leaf.Id), StringComparer.Ordinal)
            .Select(g =>
            {
                var member = leaves.Where(l => Find(l.Id) == g.Key).Select(l => l.Region[0]).ToList();
                return (Min: member.Select(r => r.Min).Min(order)!, Max: member.Any(r => r.Max is null) ? null : member.Select(r => r.Max!).Max(order), Files: g.ToList());
            })
            .OrderBy(g => g.Min, order)
            .ToList();
        // Groups whose spans interleave (leaves joined by a file around another leaf) are merged together.
        var groups = new List<(object Min, object? Max, List<FileSource> Files)>();
        foreach (var group in byRange)
        {
            if (groups.Count > 0 && (groups[^1].Max is null || order.Compare(group.Min, groups[^1].Max!) < 0))
            {
                var last = groups[^1];
                groups[^1] = (last.Min, last.Max is null || group.Max is null ? null : new[] { last.Max, group.Max }.Max(order), [.. last.Files, .. group.Files]);
            }
            else
            {
                groups.Add(group);
            }
        }
        if (groups.Count == 1)
        {
            return MergeAll(groups[0].Files);
        }
        return MaxParallelFiles > 1
            ? InParallel(groups.Select(g => (Func<IEnumerable<RecordBatch>>)(() => MergeAll(g.Files))).ToList(), cancellationToken)
            : groups.SelectMany(g => MergeAll(g.Files));
    }

    /// <summary>
    /// The groups' rows, group after group, while the next groups are already decoded and merged on threads of
    /// their own: at most one group per core at once, each at most <see cref="AheadBatches"/> batches ahead of the
    /// reader, so a scan over many leaves uses the cores within a bound on memory. If the reader stops early, the
    /// threads stop and what they made is freed before the files are closed.
    /// </summary>
    private static IEnumerable<RecordBatch> InParallel(IReadOnlyList<Func<IEnumerable<RecordBatch>>> groups, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Queue<(Channel<RecordBatch> Batches, Task Producer)>();
        var next = 0;
        void StartNext()
        {
            var group = groups[next++];
            var channel = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(AheadBatches) { SingleReader = true, SingleWriter = true });
            var producer = Task.Factory.StartNew(() =>
            {
                try
                {
                    foreach (var batch in group())
                    {
                        if (!channel.Writer.WaitToWriteAsync(stop.Token).AsTask().GetAwaiter().GetResult() || !channel.Writer.TryWrite(batch))
                        {
                            batch.Dispose();
                            break;
                        }
                    }
                    channel.Writer.TryComplete();
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            running.Enqueue((channel, producer));
        }
        try
        {
            while (next < groups.Count && running.Count < MaxParallelFiles)
            {
                StartNext();
            }
            while (running.Count > 0)
            {
                var (channel, _) = running.Peek();
                while (channel.Reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                {
                    while (channel.Reader.TryRead(out var batch))
                    {
                        yield return batch;
                    }
                }
                running.Dequeue();
                if (next < groups.Count)
                {
                    StartNext();
                }
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var (channel, producer) in running)
            {
                try
                {
                    producer.Wait(CancellationToken.None);
                }
                catch (AggregateException)
                {
                    // Stopped by the cancellation, or failed after the reader stopped: nothing to report.
                }
                while (channel.Reader.TryRead(out var left))
                {
                    left.Dispose();
                }
            }
        }
    }

    private static bool IsWhole(KeyRange range) =>
        range.Max is null && range.MinInclusive && Core.Keys.KeyValues.Compare(range.Field.PrimitiveType, range.Min, Core.Keys.KeyValues.MinimumOf(range.Field.PrimitiveType)) == 0;

    /// <summary>
    /// Plans against the table's shared read state and opens every file the plan reads, before anything is
    /// yielded. A file that has gone (compacted away and collected since the state was read) makes the query
    /// plan again against a newer state, in which it is no longer referenced; so a query racing a compaction, a
    /// split or a garbage collection neither fails nor loses or repeats rows.
    /// </summary>
    private async Task<List<FileSource>> OpenAsync(IReadOnlyList<Region> regions, TableSchema readSchema, QueryStatistics statistics, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await table.StateStore.GetReadStateAsync(cancellationToken);
            var plan = QueryPlanner.Plan(read.Derived(QueryPlanner.Index), regions);
            statistics.LeafPartitions = plan.Count;
            // A file referenced from several leaves is read once, keeping the rows of every leaf that asks for it.
            var files = plan
                .SelectMany(leaf => leaf.Files.Select(file => (File: file, Leaf: leaf)))
                .GroupBy(x => x.File, StringComparer.Ordinal)
                .Select(g => (Name: g.Key, Leaves: (IReadOnlyList<LeafPartitionQuery>)g.Select(x => x.Leaf).ToList()))
                .ToList();
            if (AfterPlanning is { } hook)
            {
                await hook();
            }
            var opened = new FileSource?[files.Count];
            try
            {
                // Files are opened, and the pages of narrow reads decoded, several at a time: a lookup's few files
                // and a many-key query's hundreds are mostly decompression, which runs in parallel.
                // A lookup's handful of files is quicker in turn than handed between threads.
                var parallelism = files.Count < 8 ? 1 : Math.Min(files.Count, MaxParallelFiles);
                if (parallelism <= 1)
                {
                    for (var i = 0; i < files.Count; i++)
                    {
                        opened[i] = await OpenFileAsync(files[i].Name, files[i].Leaves, readSchema, statistics, cancellationToken);
                    }
                }
                else
                {
                    await Parallel.ForEachAsync(Enumerable.Range(0, files.Count),
                        new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                        async (i, token) => opened[i] = await OpenFileAsync(files[i].Name, files[i].Leaves, readSchema, statistics, token));
                }
                statistics.FilesRead = files.Count;
                return opened.Select(o => o!).ToList();
            }
            catch (Exception e)
            {
                foreach (var source in opened)
                {
                    source?.Dispose();
                }
                if (e is not SleeperException || attempt >= MaxPlanAttempts)
                {
                    throw;
                }
                var newer = await table.StateStore.GetReadStateAsync(cancellationToken);
                if (files.All(f => newer.State.Files.TryGetValue(f.Name, out var entry) && entry.References.Count > 0))
                {
                    throw; // Every file is still referenced: the failure is not a race with a deletion.
                }
                statistics.Replans++;
            }
        }
    }

    /// <summary>Opens one file and works out how each of its row groups is read: skipped, page by page, or whole.</summary>
    private async Task<FileSource> OpenFileAsync(string name, IReadOnlyList<LeafPartitionQuery> leaves, TableSchema readSchema, QueryStatistics statistics, CancellationToken cancellationToken)
    {
        var firstKeyRanges = leaves.SelectMany(l => l.Regions).Select(r => r[0]).Distinct().ToList();
        PageRowReader? pages = null;
        SortedParquetReader? whole = null;
        List<RowGroupRead>? reads = null;
        try
        {
            if (Pages is not null)
            {
                pages = await PageRowReader.OpenAsync(table.Objects, name, readSchema, Pages, Footers, cancellationToken);
            }
            if (pages is null)
            {
                whole = await SortedParquetReader.OpenAsync(table.Objects, name, table.Schema, Footers, batchRows: ReadBatchRows, cancellationToken: cancellationToken);
            }
            var groups = pages?.RowGroups ?? whole!.RowGroups;
            reads = new List<RowGroupRead>();
            var skipped = 0;
            foreach (var group in groups)
            {
                if (!leaves.Any(leaf => MayMatch(group, leaf.Leaf.Region) && leaf.Regions.Any(r => MayMatch(group, r))))
                {
                    skipped++;
                    continue;
                }
                if (pages is not null && !firstKeyRanges.Any(r => Covers(r, group)))
                {
                    // Narrow ranges: the first row key's pages say which rows can match; a quarter of the row group
                    // or more is read faster whole.
                    var rows = await pages.FindRowsAsync(group.Index, firstKeyRanges, group.RowCount / 4, cancellationToken);
                    if (rows is { Count: 0 })
                    {
                        skipped++;
                        continue;
                    }
                    if (rows is not null)
                    {
                        reads.Add(new RowGroupRead(group.Index, rows));
                        continue;
                    }
                }
                reads.Add(new RowGroupRead(group.Index, null));
            }
            lock (statistics)
            {
                statistics.RowGroupsSkipped += skipped;
            }
            if (pages is not null && reads.Where(r => r.Rows is not null).Sum(r => r.Rows!.Sum(i => i.End - i.Start)) <= PrefetchRows)
            {
                for (var i = 0; i < reads.Count; i++)
                {
                    if (reads[i].Rows is { } rows)
                    {
                        reads[i] = reads[i] with { Prefetched = await pages.ReadRowsAsync(reads[i].RowGroup, rows, cancellationToken) };
                    }
                }
            }
            if (whole is null && reads.Any(r => r.Rows is null))
            {
                // Opened now, before anything is yielded: a local file stays readable once open, even if deleted.
                whole = await SortedParquetReader.OpenAsync(table.Objects, name, table.Schema, Footers, batchRows: ReadBatchRows, cancellationToken: cancellationToken);
            }
            if (pages is null && reads.Count > 0 && leaves.All(l => l.Regions.All(IsExactFirstKey)))
            {
                // A lookup in a file that cannot be read page by page: most candidate row groups hold no such key,
                // and decoding only the row-key columns to find out is far cheaper than decoding every column.
                var matching = new List<RowGroupRead>();
                foreach (var candidate in reads)
                {
                    if (await RowKeysMatchAsync(whole!, candidate.RowGroup, leaves, cancellationToken))
                    {
                        matching.Add(candidate);
                    }
                }
                lock (statistics)
                {
                    statistics.RowGroupsSkipped += reads.Count - matching.Count;
                }
                reads = matching;
            }
            return new FileSource(leaves, pages, whole, reads);
        }
        catch
        {
            foreach (var read in reads ?? [])
            {
                read.Prefetched?.Dispose();
            }
            pages?.Dispose();
            whole?.Dispose();
            throw;
        }
    }

    private async Task<bool> RowKeysMatchAsync(SortedParquetReader reader, int rowGroup, IReadOnlyList<LeafPartitionQuery> leaves, CancellationToken cancellationToken)
    {
        var keySchema = new TableSchema(table.Schema.RowKeyFields);
        var keyColumns = keySchema.AllFields.Select(f => f.Name).ToList();
        await foreach (var batch in reader.ReadRowGroupsAsync([rowGroup], keyColumns, cancellationToken))
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

    /// <summary>Whether the range holds every first-key value the row group's statistics allow (so reading it whole is right).</summary>
    private static bool Covers(KeyRange range, RowGroupInfo group)
    {
        var stats = group.KeyStatistics[0];
        return stats.Min is null || stats.Max is null || (range.Contains(stats.Min) && range.Contains(stats.Max));
    }

    private IEnumerable<RecordBatch> ReadFile(FileSource source, TableSchema readSchema, IReadOnlyList<string> columns,
        QueryStatistics statistics, CancellationToken cancellationToken)
    {
        var leaves = source.Leaves;
        foreach (var read in source.Reads)
        {
            lock (statistics)
            {
                statistics.RowGroupsRead++;
            }
            IEnumerable<RecordBatch> batches;
            if (read.Prefetched is { } prefetched)
            {
                lock (statistics)
                {
                    statistics.PageReads++;
                }
                read.Prefetched = null;
                batches = [prefetched];
            }
            else if (read.Rows is { } rows)
            {
                lock (statistics)
                {
                    statistics.PageReads++;
                }
                // Local reads complete synchronously; a store's stream waits here as the row-group reader does.
                batches = [source.Pages!.ReadRowsAsync(read.RowGroup, rows, cancellationToken).GetAwaiter().GetResult()];
            }
            else
            {
                batches = source.Whole!.ReadRowGroupsAsync([read.RowGroup], columns, cancellationToken).ToBlockingEnumerable(cancellationToken);
            }
            foreach (var batch in batches)
            {
                lock (statistics)
                {
                    statistics.RowsScanned += batch.Length;
                }
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
    }

    /// <summary>How one row group of a file is read: the rows found through its pages, or (null) the whole row group.</summary>
    private sealed record RowGroupRead(int RowGroup, IReadOnlyList<(long Start, long End)>? Rows)
    {
        /// <summary>The rows, already read when the file was opened; the merge takes ownership when it reaches them.</summary>
        public RecordBatch? Prefetched { get; set; }
    }

    /// <summary>One file of a query, open: the leaves it serves, its readers, and the row groups to read in order.</summary>
    private sealed class FileSource(IReadOnlyList<LeafPartitionQuery> leaves, PageRowReader? pages, SortedParquetReader? whole, IReadOnlyList<RowGroupRead> reads) : IDisposable
    {
        public IReadOnlyList<LeafPartitionQuery> Leaves { get; } = leaves;
        public PageRowReader? Pages { get; } = pages;
        public SortedParquetReader? Whole { get; } = whole;
        public IReadOnlyList<RowGroupRead> Reads { get; } = reads;

        public void Dispose()
        {
            foreach (var read in Reads)
            {
                read.Prefetched?.Dispose();
                read.Prefetched = null;
            }
            Pages?.Dispose();
            Whole?.Dispose();
        }
    }

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

    /// <summary>Row groups read page by page (only the pages that can hold the query's keys) rather than whole.</summary>
    public int PageReads { get; set; }

    /// <summary>Times the query planned again because a file it meant to read had been deleted meanwhile.</summary>
    public int Replans { get; set; }
}
