using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.Query;

namespace Sleeper.Splitter.Tests;

/// <summary>A table in a fresh embedded instance in a temporary folder, with its model and the jobs that act on it.</summary>
internal sealed class SplitterTable : IDisposable
{
    private int _nextId;

    private SplitterTable(string root, SleeperInstance instance, SleeperTable table, int seed)
    {
        Root = root;
        Instance = instance;
        Table = table;
        Model = new RowModel(table.Schema);
        Random = new Random(seed);
    }

    public string Root { get; }
    public SleeperInstance Instance { get; }
    public SleeperTable Table { get; }
    public RowModel Model { get; }
    public Random Random { get; }
    public TableSchema Schema => Table.Schema;

    /// <summary>A table whose rows are the row keys given and a "seq" long, numbering each row.</summary>
    public static async Task<SplitterTable> CreateAsync(IReadOnlyList<Field> rowKeys, long threshold, Action<SleeperProperties>? configure = null,
        IReadOnlyList<object>? splitPoints = null, int seed = 1)
    {
        var schema = new TableSchema(rowKeys, [], [new Field("seq", LongType.Instance)]);
        var root = Directory.CreateTempSubdirectory("sleeper-splitter-tests-").FullName;
        var instance = await EmbeddedInstance.CreateAsync(root);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.PartitionSplittingThreshold.Name, threshold.ToString(System.Globalization.CultureInfo.InvariantCulture));
        properties.Set(TableProperty.GcDelayMinutes.Name, "0");
        configure?.Invoke(properties);
        var table = await instance.CreateTableAsync("t", schema, properties, PartitionsBuilder.FromSplitPoints(schema, splitPoints ?? []));
        return new SplitterTable(root, instance, table, seed);
    }

    /// <summary>A splitter with reproducible merging and ids p1, p2, ….</summary>
    public PartitionSplitter Splitter(int maxFiles = 50) => new(Table, new PartitionSplitterOptions
    {
        MaxFilesPerSplit = maxFiles,
        NewPartitionId = () => $"p{++_nextId}",
        Random = new Random(Random.Next()),
    });

    /// <summary>Ingests rows with these keys in one ingest; returns the files written.</summary>
    public async Task<IReadOnlyList<string>> IngestAsync(IEnumerable<object[]> keys)
    {
        var builder = new RecordBatchBuilder(Schema);
        var count = 0;
        foreach (var k in keys)
        {
            builder.Append(Model.Add(k));
            count++;
        }
        var result = await new IngestRunner(Table).IngestBatchesAsync([builder.Build()]);
        Assert.Equal(count, result.RowsWritten);
        return result.References.Select(r => r.Filename).Distinct().ToList();
    }

    public Task<IReadOnlyList<string>> IngestAsync(IEnumerable<int> keys) => IngestAsync(keys.Select(k => new object[] { k }));

    /// <summary>Creates jobs by the strategy (pushing references down first) without running them.</summary>
    public Task<IReadOnlyList<CompactionJob>> CreateCompactionJobsAsync(ICompactionStrategy? strategy = null) =>
        new CompactionJobCreator(Table, Instance.Time).CreateJobsAsync(strategy ?? new ForcedCompactionStrategy());

    public async Task RunAsync(IEnumerable<CompactionJob> jobs)
    {
        foreach (var job in jobs)
        {
            await new CompactionTask(Instance.Time).RunAsync(Table, job);
        }
    }

    public async Task<int> CompactAsync(ICompactionStrategy? strategy = null)
    {
        var jobs = await CreateCompactionJobsAsync(strategy);
        await RunAsync(jobs);
        return jobs.Count;
    }

    public async Task<int> GcAsync() => (await new GarbageCollector.GarbageCollector(Table, Instance.Time).RunAsync()).FilesDeleted;

    public async Task<List<Row>> QueryAsync(IReadOnlyList<Region> regions)
    {
        var rows = new List<Row>();
        await foreach (var batch in new QueryExecutor(Table).RunAsync(regions))
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add(BatchRows.GetRow(batch, i));
                }
            }
        }
        return rows;
    }

    public async Task<List<Row>> ReadFileAsync(string filename)
    {
        using var reader = SortedParquetReader.Open(Table.LocalPathOf(filename), Schema);
        var rows = new List<Row>();
        await foreach (var batch in reader.ReadAllAsync())
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, Schema));
            }
        }
        return rows;
    }

    public async Task AssertWholeTableMatchesAsync(string context) =>
        Model.AssertMatches([Region.Whole(Schema)], await QueryAsync([Region.Whole(Schema)]), context);

    /// <summary>
    /// The partition tree is sound, and no file is referenced twice on one path from the root to a leaf (its rows
    /// would be read twice) or from a partition that does not exist; every referenced file exists on disk.
    /// </summary>
    public async Task AssertStateIsSoundAsync(string context)
    {
        var state = await Table.StateStore.GetStateAsync();
        state.PartitionTree().Validate(Schema);
        foreach (var file in state.Files.Values)
        {
            var partitions = file.References.Keys.ToList();
            foreach (var id in partitions)
            {
                Assert.True(state.Partitions.ContainsKey(id), $"{context}: file {file.Filename} is referenced in unknown partition {id}.");
                for (var a = state.Partitions[id].ParentId; a is not null; a = state.Partitions[a].ParentId)
                {
                    Assert.False(partitions.Contains(a), $"{context}: file {file.Filename} is referenced in {id} and in its ancestor {a}.");
                }
            }
            if (file.References.Count > 0)
            {
                Assert.True(File.Exists(Table.LocalPathOf(file.Filename)), $"{context}: referenced file {file.Filename} is missing.");
            }
        }
    }

    public async Task<Partition> LeafContainingAsync(params object[] key) => (await Table.StateStore.GetPartitionTreeAsync()).LeafFor(new Key(key));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
