using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Jobs;
using Sleeper.Parquet;
using Sleeper.Query;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// An embedded instance on a fake clock with one split table, its ingest queue and tracker, and input files
/// in a temp folder: what the ingest worker tests drive.
/// </summary>
public sealed class QueuedIngestTable : IDisposable
{
    public static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("count", IntType.Instance)]);

    public static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _temp;

    private QueuedIngestTable(TempFolder temp, FakeTimeProvider time, SleeperInstance instance, SleeperTable table, FileJobQueue queue, string inputs)
    {
        _temp = temp;
        Time = time;
        Instance = instance;
        Table = table;
        Queue = queue;
        Inputs = inputs;
    }

    public FakeTimeProvider Time { get; }
    public SleeperInstance Instance { get; }
    public SleeperTable Table { get; }
    public FileJobQueue Queue { get; }
    public IJobTracker Tracker => Instance.IngestTracker;

    /// <summary>The folder input files are written to.</summary>
    public string Inputs { get; }

    public static async Task<QueuedIngestTable> CreateAsync(int maxReceiveCount = 3, Action<SleeperProperties>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var temp = new TempFolder();
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(temp.Path, "instance"), time);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestBatchRows.Name, "50");
        configure?.Invoke(properties);
        var table = await instance.CreateTableAsync("queued", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["g", "p"]));
        var queue = FileJobQueue.InInstance(instance.Root!, QueueNames.Ingest, maxReceiveCount, time);
        var inputs = Path.Combine(temp.Path, "inputs");
        Directory.CreateDirectory(inputs);
        return new QueuedIngestTable(temp, time, instance, table, queue, inputs);
    }

    public IngestWorker Worker(IJobQueue? queue = null, IJobTracker? tracker = null, string? taskId = null) =>
        new(queue ?? Queue, tracker ?? Tracker, (job, ct) => job.TableId is { } id ? Instance.OpenTableByIdAsync(id, ct) : Instance.OpenTableAsync(job.TableName!, cancellationToken: ct), Time)
        {
            VisibilityTimeout = Visibility,
            TaskId = taskId ?? Guid.NewGuid().ToString(),
        };

    /// <summary>Queues a job for these paths, as sleeper ingest submit does.</summary>
    public async Task<IngestJob> SubmitAsync(params string[] paths)
    {
        var job = new IngestJob(Guid.NewGuid().ToString(), Table.Name, Table.Id, paths);
        await Tracker.RecordAsync(new JobEvent(Table.Id, job.Id, JobEventKind.Created, Time.GetUtcNow(), InputFiles: paths.Length, Files: paths));
        await Queue.SendAsync(IngestJobSerDe.ToJson(job));
        return job;
    }

    /// <summary>Rows as JSON lines, keys spread over every partition; row i is "k{letter}{i}", i, i.</summary>
    public string WriteJsonLines(string name, int count, int start = 0) =>
        WriteText(name, string.Concat(Enumerable.Range(start, count).Select(i => $"{{\"key\":\"{Key(i)}\",\"timestamp\":{i},\"count\":{i}}}\n")));

    public string WriteCsv(string name, int count, int start = 0, string header = "key,timestamp,count") =>
        WriteText(name, header + "\n" + string.Concat(Enumerable.Range(start, count).Select(i => $"{Key(i)},{i},{i}\n")));

    /// <summary>A Parquet file of <paramref name="schema"/> (the table's unless given), one row per value of i.</summary>
    public async Task<string> WriteParquetAsync(string name, int count, int start = 0, TableSchema? schema = null, Func<int, object?[]>? row = null)
    {
        schema ??= Schema;
        row ??= i => [Key(i), (long)i, i];
        var path = Path.Combine(Inputs, name);
        using var writer = new SortedParquetWriter(path, ParquetWriteSettings.Defaults(schema));
        var builder = new RecordBatchBuilder(schema);
        // The writer wants sorted rows, as a table's files are; inputs need not be, but these are.
        foreach (var values in Enumerable.Range(start, count).Select(row).OrderBy(v => (string)v[0]!, StringComparer.Ordinal))
        {
            builder.Append(new Row(values));
        }
        writer.Write(builder.Build());
        await writer.CommitAsync();
        return path;
    }

    public string WriteText(string name, string text)
    {
        var path = Path.Combine(Inputs, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    public static string Key(int i) => $"{(char)('a' + i % 26)}{i.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>The rows a query over the whole table returns, as "key|timestamp|count", in order.</summary>
    public async Task<List<string>> RowsAsync()
    {
        var table = await Instance.OpenTableAsync(Table.Name);
        var rows = new List<string>();
        await foreach (var batch in new QueryExecutor(table, Time).RunAsync([Region.Whole(Schema)]))
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, Schema).Select(r => string.Join('|', r.Values)));
            }
        }
        return rows;
    }

    public static List<string> ExpectedRows(IEnumerable<int> indices) =>
        indices.Select(i => $"{Key(i)}|{i}|{i}").Order(StringComparer.Ordinal).ToList();

    public async Task<JobStatus> StatusAsync(IngestJob job) =>
        Assert.Single(JobStatus.Fold(await Tracker.ReadJobEventsAsync(Table.Id)), s => s.JobId == job.Id);

    public async Task<List<JobEvent>> EventsAsync(IngestJob job) =>
        (await Tracker.ReadJobEventsAsync(Table.Id)).Where(e => e.JobId == job.Id).ToList();

    public void Dispose() => _temp.Dispose();
}
