using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Parquet;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Compaction.Tests;

/// <summary>A table in a fresh embedded instance in a temporary folder, with helpers to ingest rows, set up jobs and read files.</summary>
internal sealed class TestTable : IDisposable
{
    public static readonly TableSchema StandardSchema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    private TestTable(string root, SleeperInstance instance, SleeperTable table)
    {
        Root = root;
        Instance = instance;
        Table = table;
    }

    public string Root { get; }
    public SleeperInstance Instance { get; }
    public SleeperTable Table { get; }
    public TableSchema Schema => Table.Schema;

    public static async Task<TestTable> CreateAsync(TableSchema? schema = null, IReadOnlyList<object>? splitPoints = null,
        Action<SleeperProperties>? configure = null, TimeProvider? time = null)
    {
        schema ??= StandardSchema;
        var root = Directory.CreateTempSubdirectory("sleeper-compaction-tests-").FullName;
        var instance = await EmbeddedInstance.CreateAsync(root, time);
        var properties = SleeperProperties.ForTable();
        configure?.Invoke(properties);
        var table = await instance.CreateTableAsync("test", schema, properties, PartitionsBuilder.FromSplitPoints(schema, splitPoints ?? []));
        return new TestTable(root, instance, table);
    }

    /// <summary>Ingests rows as one file (referenced from every leaf it covers); returns its name.</summary>
    public async Task<string> IngestAsync(IEnumerable<Row> rows)
    {
        var builder = new RecordBatchBuilder(Schema);
        foreach (var row in rows)
        {
            builder.Append(row);
        }
        var result = await new IngestRunner(Table).IngestBatchesAsync([builder.Build()]);
        return result.References.Select(r => r.Filename).Distinct().Single();
    }

    public async Task<Partition> LeafContainingAsync(object key)
    {
        var leaves = await Table.StateStore.GetLeafPartitionsAsync();
        return leaves.Single(p => p.Region[0].Contains(key));
    }

    public async Task<CompactionJob> AssignJobAsync(string partitionId, IReadOnlyList<string> files, string? jobId = null)
    {
        jobId ??= Guid.NewGuid().ToString();
        await Table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(jobId, partitionId, files)]));
        return NewJob(jobId, partitionId, files);
    }

    public CompactionJob NewJob(string jobId, string partitionId, IReadOnlyList<string> files) =>
        new(jobId, Table.Id, Table.Name, partitionId, files, Table.NewDataFileName(partitionId), DateTimeOffset.UtcNow);

    public async Task<List<FileReference>> ReferencesAsync() =>
        (await Table.StateStore.GetFileReferencesAsync()).OrderBy(r => r.Filename, StringComparer.Ordinal).ThenBy(r => r.PartitionId, StringComparer.Ordinal).ToList();

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

    /// <summary>Every file under the table's data folder, by path relative to the instance root.</summary>
    public List<string> DataFiles() =>
        Directory.GetFiles(Path.Combine(Table.LocalFolder(), "data"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Root, p)).OrderBy(p => p, StringComparer.Ordinal).ToList();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
