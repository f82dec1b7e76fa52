using System.Globalization;
using System.Text;
using Amazon.S3.Model;
using Sleeper.BulkImport;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Ingest.Batcher;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Jobs;
using Sleeper.Parquet;
using Sleeper.Query;
using Xunit.Abstractions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Aws.Tests;

/// <summary>
/// Ingest inputs named by s3:// paths, read from the S3 server into a table of an embedded instance: a Parquet
/// file, a CSV file, a prefix of several files, through direct ingest, a queued job, the batcher and bulk import;
/// and the errors for a key or a bucket that is not there.
/// </summary>
public sealed class S3IngestInputsTest(S3TestBucket bucket, ITestOutputHelper output) : IClassFixture<S3TestBucket>, IDisposable
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    private readonly TempFolder _temp = new();
    private readonly string _prefix = $"inputs/{Guid.NewGuid():N}";

    public void Dispose() => _temp.Dispose();

    private string PathOf(string key) => $"s3://{bucket.Name}/{_prefix}/{key}";

    private S3InputFileStore NewInputStore(Func<S3ObjectStoreOptions, S3ObjectStoreOptions>? adjust = null)
    {
        var options = bucket.Options(_temp.File("staging"));
        return new S3InputFileStore(adjust is null ? options : adjust(options));
    }

    private static string Key(int i) => $"{(char)('a' + i % 26)}{i.ToString("D6", CultureInfo.InvariantCulture)}";

    /// <summary>Row i: its key, i, and a value of random hex (so a Parquet file of many rows does not compress to nothing).</summary>
    private static object?[] RowOf(int i) => [Key(i), (long)i, $"v{i}-{Convert.ToHexString(BitConverter.GetBytes(HashCode.Combine(i, 17)))}{Convert.ToHexString(BitConverter.GetBytes((long)i * 2654435761L))}"];

    private static List<string> Expected(IEnumerable<int> indices) =>
        indices.Select(i => string.Join('|', RowOf(i))).Order(StringComparer.Ordinal).ToList();

    private async Task PutAsync(string key, byte[] content) =>
        await bucket.Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket.Name,
            Key = $"{_prefix}/{key}",
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        });

    private async Task PutParquetAsync(string key, IEnumerable<int> indices)
    {
        var path = _temp.File($"{Guid.NewGuid():N}.parquet");
        await using (var writer = new SortedParquetWriter(path, ParquetWriteSettings.Defaults(Schema)))
        {
            var builder = new RecordBatchBuilder(Schema);
            foreach (var values in indices.Select(RowOf).OrderBy(v => (string)v[0]!, StringComparer.Ordinal))
            {
                builder.Append(new Row(values));
            }
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }
        await PutAsync(key, await File.ReadAllBytesAsync(path));
    }

    private Task PutCsvAsync(string key, IEnumerable<int> indices) =>
        PutAsync(key, Encoding.UTF8.GetBytes("key,timestamp,value\n" + string.Concat(indices.Select(i => string.Join(',', RowOf(i)) + "\n"))));

    private Task PutJsonLinesAsync(string key, IEnumerable<int> indices) =>
        PutAsync(key, Encoding.UTF8.GetBytes(string.Concat(indices.Select(i => $"{{\"key\":\"{RowOf(i)[0]}\",\"timestamp\":{i},\"value\":\"{RowOf(i)[2]}\"}}\n"))));

    private async Task<(SleeperInstance Instance, SleeperTable Table)> NewTableAsync()
    {
        var instance = await EmbeddedInstance.CreateAsync(_temp.File("instance"));
        var properties = SleeperProperties.ForTable();
        var table = await instance.CreateTableAsync("inputs", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["m"]));
        return (instance, table);
    }

    private static async Task<List<string>> RowsAsync(SleeperTable table)
    {
        var rows = new List<string>();
        await foreach (var batch in new QueryExecutor(table).RunAsync([Region.Whole(Schema)]))
        {
            using (batch)
            {
                rows.AddRange(BatchRows.ToRows(batch, Schema).Select(r => string.Join('|', r.Values)));
            }
        }
        return rows.Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task A_parquet_file_on_S3_is_ingested_through_ranged_reads()
    {
        // Blocks of 16 KiB, so reading the file takes many ranged GETs where one whole download would take one.
        using var inputs = NewInputStore(o => o with { ReadBlockSize = 16 * 1024, ReadCacheBlocks = 4 });
        await PutParquetAsync("big.parquet", Enumerable.Range(0, 20_000));
        var (_, table) = await NewTableAsync();

        var resolved = await IngestInputs.ResolveAsync([PathOf("big.parquet")], null, inputs);
        var result = await new IngestRunner(table).IngestAsync(resolved);

        Assert.Equal(20_000, result.RowsWritten);
        Assert.Equal(Expected(Enumerable.Range(0, 20_000)), await RowsAsync(table));
        var size = (await bucket.Client.GetObjectMetadataAsync(bucket.Name, $"{_prefix}/big.parquet")).ContentLength;
        var requests = inputs.Requests.Current;
        output.WriteLine($"ingesting a {size}-byte Parquet file of 20,000 rows from S3 in 16 KiB blocks: {requests}");
        Assert.Equal(1, requests.Head);
        Assert.Equal(0, requests.List);
        // One row group of three columns: a GET of the block ending the file (the footer), then one ranged GET per
        // column chunk, which the native reader asks for whole (each is larger than a block, so it bypasses them).
        using (var reader = SortedParquetReader.Open(inputs.OpenRead(new InputFile(PathOf("big.parquet"), size)), "big", Schema))
        {
            Assert.Single(reader.RowGroups);
        }
        Assert.Equal(1 + 3, requests.Get);
    }

    [Fact]
    public async Task A_csv_file_on_S3_is_ingested_as_it_streams()
    {
        using var inputs = NewInputStore();
        await PutCsvAsync("rows.csv", Enumerable.Range(0, 3000));
        var (_, table) = await NewTableAsync();

        var result = await new IngestRunner(table).IngestAsync(await IngestInputs.ResolveAsync([PathOf("rows.csv")], null, inputs));

        Assert.Equal(3000, result.RowsWritten);
        Assert.Equal(Expected(Enumerable.Range(0, 3000)), await RowsAsync(table));
    }

    [Fact]
    public async Task A_prefix_stands_for_every_file_under_it_at_any_depth()
    {
        using var inputs = NewInputStore();
        await PutParquetAsync("dir/a.parquet", Enumerable.Range(0, 1000));
        await PutCsvAsync("dir/sub/b.csv", Enumerable.Range(1000, 500));
        await PutJsonLinesAsync("dir/sub/deeper/c.jsonl", Enumerable.Range(1500, 500));
        // Skipped: a hidden file, a folder marker, and a file of no known format.
        await PutAsync("dir/.partial.csv", Encoding.UTF8.GetBytes("not,even,csv\n1\n"));
        await PutAsync("dir/sub/", []);
        await PutAsync("dir/notes.txt", Encoding.UTF8.GetBytes("some notes"));
        // Not under dir/: a sibling whose key merely starts with the same letters.
        await PutCsvAsync("directory.csv", Enumerable.Range(5000, 10));

        var withSlash = await inputs.ResolveAsync(PathOf("dir/"));
        var withoutSlash = await inputs.ResolveAsync(PathOf("dir"));
        Assert.True(withSlash.IsFolder);
        Assert.Equal(
            [PathOf("dir/a.parquet"), PathOf("dir/notes.txt"), PathOf("dir/sub/b.csv"), PathOf("dir/sub/deeper/c.jsonl")],
            withSlash.Files.Select(f => f.Path));
        Assert.Equal(withSlash.Files, withoutSlash.Files);

        var (_, table) = await NewTableAsync();
        var resolved = await IngestInputs.ResolveAsync([PathOf("dir/")], null, inputs);
        Assert.Equal(3, resolved.Count);
        var result = await new IngestRunner(table).IngestAsync(resolved);

        Assert.Equal(2000, result.RowsWritten);
        Assert.Equal(Expected(Enumerable.Range(0, 2000)), await RowsAsync(table));
    }

    [Fact]
    public async Task A_missing_key_or_bucket_is_a_clear_error_naming_the_path()
    {
        using var inputs = NewInputStore();
        var routed = new RoutingInputFileStore(LocalInputFileStore.Instance, inputs);
        await PutCsvAsync("here.csv", Enumerable.Range(0, 10));

        var missingKey = PathOf("not-here.csv");
        var keyError = await Assert.ThrowsAsync<InputNotFoundException>(() => IngestInputs.ResolveAsync([missingKey], null, routed));
        Assert.Contains(missingKey, keyError.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", keyError.Message, StringComparison.Ordinal);

        var missingPrefix = PathOf("nothing/under/here/");
        var prefixError = await Assert.ThrowsAsync<InputNotFoundException>(() => IngestInputs.ResolveAsync([missingPrefix], null, routed));
        Assert.Contains(missingPrefix, prefixError.Message, StringComparison.Ordinal);

        var missingBucket = $"s3://no-such-bucket-{Guid.NewGuid():N}"[..40] + "/some/key.csv";
        var bucketError = await Assert.ThrowsAsync<S3StoreException>(() => IngestInputs.ResolveAsync([missingBucket], null, routed));
        output.WriteLine($"missing key: {keyError.Message}\nmissing prefix: {prefixError.Message}\nmissing bucket: {bucketError.Message}");
        Assert.Equal(S3FailureKind.BucketMissing, bucketError.Kind);
        Assert.Contains(missingBucket, bucketError.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", bucketError.Message, StringComparison.Ordinal);
        var bucketPrefixError = await Assert.ThrowsAsync<S3StoreException>(() => inputs.ResolveAsync(missingBucket[..missingBucket.LastIndexOf('/')] + "/"));
        Assert.Equal(S3FailureKind.BucketMissing, bucketPrefixError.Kind);

        // A process that reads only local paths says so, rather than looking for a local file called s3:.
        var localOnly = await Assert.ThrowsAnyAsync<SleeperException>(() => IngestInputs.ResolveAsync([PathOf("here.csv")], null, LocalInputFileStore.Instance));
        Assert.Contains("not set up to read s3:// inputs", localOnly.Message, StringComparison.Ordinal);
        Assert.Contains("not set up to read s3:// inputs", Assert.ThrowsAny<SleeperException>(() => IngestInputs.Resolve([PathOf("here.csv")], null)).Message, StringComparison.Ordinal);

        // A file deleted between being found and being read fails naming it, and nothing is ingested.
        var (_, table) = await NewTableAsync();
        var found = await IngestInputs.ResolveAsync([PathOf("here.csv")], null, routed);
        await bucket.Client.DeleteObjectAsync(bucket.Name, $"{_prefix}/here.csv");
        var gone = await Assert.ThrowsAnyAsync<SleeperException>(() => new IngestRunner(table).IngestAsync(found));
        output.WriteLine($"a file deleted before it was read: {gone.Message}");
        Assert.Contains(PathOf("here.csv"), gone.Message, StringComparison.Ordinal);
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
    }

    [Fact]
    public async Task A_queued_ingest_job_naming_S3_paths_is_run_by_a_worker()
    {
        using var inputs = NewInputStore();
        await PutParquetAsync("job/a.parquet", Enumerable.Range(0, 700));
        await PutCsvAsync("job/b.csv", Enumerable.Range(700, 300));
        var (instance, table) = await NewTableAsync();
        var queue = FileJobQueue.InInstance(instance.Root!, QueueNames.Ingest);
        var job = new IngestJob(Guid.NewGuid().ToString(), table.Name, table.Id, [PathOf("job/a.parquet"), PathOf("job/b.csv")]);
        await queue.SendAsync(IngestJobSerDe.ToJson(job));

        var worker = new IngestWorker(queue, instance.IngestTracker, (j, ct) => instance.OpenTableByIdAsync(j.TableId!, ct))
        {
            InputFiles = new RoutingInputFileStore(LocalInputFileStore.Instance, inputs),
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
        var outcome = await worker.RunAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal((1, 0, 1000L), (outcome.JobsRun, outcome.JobsFailed, outcome.RowsWritten));
        Assert.Equal(Expected(Enumerable.Range(0, 1000)), await RowsAsync(table));
    }

    [Fact]
    public async Task The_batcher_takes_each_file_under_an_S3_prefix_with_its_size()
    {
        using var inputs = NewInputStore();
        await PutCsvAsync("batch/one.csv", Enumerable.Range(0, 10));
        await PutJsonLinesAsync("batch/two.jsonl", Enumerable.Range(10, 20));
        await PutAsync("batch/skip.txt", Encoding.UTF8.GetBytes("not an input"));
        var now = DateTimeOffset.UtcNow;

        var requests = await IngestBatcherFiles.ResolveAsync([PathOf("batch/"), PathOf("batch/one.csv")], "t1", now, inputs);

        Assert.Equal([PathOf("batch/one.csv"), PathOf("batch/two.jsonl")], requests.Select(r => r.File));
        foreach (var request in requests)
        {
            var key = request.File[$"s3://{bucket.Name}/".Length..];
            Assert.Equal((await bucket.Client.GetObjectMetadataAsync(bucket.Name, key)).ContentLength, request.FileSizeBytes);
        }
        var notIngestible = await Assert.ThrowsAnyAsync<SleeperException>(() => IngestBatcherFiles.ResolveAsync([PathOf("batch/skip.txt")], "t1", now, inputs));
        Assert.Contains(PathOf("batch/skip.txt"), notIngestible.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_import_reads_its_inputs_from_S3()
    {
        using var inputs = NewInputStore();
        await PutParquetAsync("bulk/a.parquet", Enumerable.Range(0, 4000));
        await PutParquetAsync("bulk/b.parquet", Enumerable.Range(4000, 3000));
        await PutCsvAsync("bulk/c.csv", Enumerable.Range(7000, 1000));
        var (_, table) = await NewTableAsync();
        var options = new BulkImportOptions { ScratchRoot = _temp.File("scratch"), Parallelism = 2 };

        var resolved = await IngestInputs.ResolveAsync([PathOf("bulk/")], null, inputs);
        var result = await new BulkImportRunner(table, options).ImportAsync(resolved);

        Assert.Equal(8000, result.RowsWritten);
        Assert.Equal(Expected(Enumerable.Range(0, 8000)), await RowsAsync(table));
    }

    [Fact]
    public async Task A_queued_bulk_import_job_naming_an_S3_prefix_is_run_by_a_worker()
    {
        using var inputs = NewInputStore();
        await PutParquetAsync("bulk-job/a.parquet", Enumerable.Range(0, 1500));
        var (instance, table) = await NewTableAsync();
        var queue = FileJobQueue.InInstance(instance.Root!, QueueNames.BulkImport);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-1", table.Name, null, [PathOf("bulk-job/")])));

        var worker = new BulkImportWorker(queue, instance.BulkImportTracker, (j, ct) => instance.OpenTableAsync(j.TableName!, cancellationToken: ct),
            new BulkImportOptions { ScratchRoot = _temp.File("scratch") })
        {
            InputFiles = inputs,
            PollInterval = TimeSpan.FromMilliseconds(20),
        };
        var outcome = await worker.RunAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal((1, 0, 1500L), (outcome.JobsRun, outcome.JobsFailed, outcome.RowsWritten));
        Assert.Equal(Expected(Enumerable.Range(0, 1500)), await RowsAsync(table));
    }
}
