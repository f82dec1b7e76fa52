using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3.Model;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Sleeper.Core.Storage;
using Sleeper.Parquet;
using Xunit.Abstractions;

namespace Sleeper.Aws.Tests;

/// <summary>What only the S3 adapter does: its location, request counts, read-ahead, uploads in parts, and its errors.</summary>
public sealed class S3ObjectStoreTest(S3TestBucket bucket, ITestOutputHelper output) : IClassFixture<S3TestBucket>
{
    /// <summary>
    /// Generous: each case fails in well under a second on loopback; the bound only shows that nothing hangs
    /// on a timeout of the SDK's own (100 s) or forever.
    /// </summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    [Fact]
    public void The_location_names_the_bucket_and_prefix_and_there_are_no_local_paths()
    {
        using var store = new S3ObjectStore("my-bucket", "/some/prefix/", bucket.Options());

        Assert.Equal("s3://my-bucket/some/prefix", store.Location);
        Assert.Equal("s3://my-bucket", new S3ObjectStore("my-bucket", "", bucket.Options()).Location);
        Assert.Null(store.LocalPathOf("t1/a.parquet"));
        Assert.True(S3ObjectStore.TryParseLocation("s3://b/p/q/", out var b, out var p));
        Assert.Equal(("b", "p/q"), (b, p));
        Assert.False(S3ObjectStore.TryParseLocation("/local/folder", out _, out _));
        Assert.Throws<ArgumentException>(() => S3ObjectStore.FromLocation("s3://"));
    }

    [Fact]
    public async Task Objects_live_under_the_prefix_in_the_bucket()
    {
        var store = bucket.NewStore();
        await store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1, 2 });

        var head = await bucket.Client.GetObjectMetadataAsync(bucket.Name, $"{store.Prefix}/t1/a.bin");

        Assert.Equal(2, head.ContentLength);
    }

    [Fact]
    public async Task A_sequential_read_issues_a_GET_per_block_and_small_reads_share_one()
    {
        var store = bucket.NewStore(o => o with { ReadBlockSize = 1024 * 1024, ReadCacheBlocks = 4 });
        var content = new byte[5 * 1024 * 1024 + 100];
        new Random(3).NextBytes(content);
        await store.WriteAllBytesAsync("t1/seq.bin", content);

        var before = store.Requests.Current;
        await using (var stream = await store.OpenReadAsync("t1/seq.bin"))
        {
            // Small reads, as a reader that parses as it goes: 8 KiB at a time.
            var copy = new MemoryStream();
            var buffer = new byte[8192];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                copy.Write(buffer, 0, n);
            }
            Assert.Equal(content, copy.ToArray());
        }
        var sequential = store.Requests.Current - before;

        before = store.Requests.Current;
        await using (var stream = await store.OpenReadAsync("t1/seq.bin"))
        {
            var buffer = new byte[100];
            foreach (var offset in new[] { 10L, 5000, 300, 900_000, 64 })
            {
                stream.Position = offset;
                await stream.ReadExactlyAsync(buffer);
                Assert.Equal(content.AsSpan((int)offset, 100).ToArray(), buffer);
            }
        }
        var withinABlock = store.Requests.Current - before;

        // 6 blocks (the last holds 100 bytes): one GET each, fetched ahead, and one HEAD for the length; 8 KiB
        // reads without the blocks would have cost 641 GETs.
        Assert.Equal(new S3RequestCounts(Get: 6, Put: 0, List: 0, Head: 1, Delete: 0), sequential);
        Assert.Equal(new S3RequestCounts(Get: 1, Put: 0, List: 0, Head: 1, Delete: 0), withinABlock);
    }

    [Fact]
    public async Task A_read_of_many_blocks_at_once_is_one_GET()
    {
        var store = bucket.NewStore(o => o with { ReadBlockSize = 256 * 1024 });
        var content = new byte[3 * 1024 * 1024];
        new Random(4).NextBytes(content);
        await store.WriteAllBytesAsync("t1/wide.bin", content);
        var before = store.Requests.Current;

        await using var stream = await store.OpenReadAsync("t1/wide.bin");
        stream.Position = 100_000;
        var buffer = new byte[2 * 1024 * 1024];
        await stream.ReadExactlyAsync(buffer);

        Assert.Equal(content.AsSpan(100_000, buffer.Length).ToArray(), buffer);
        Assert.Equal(1, (store.Requests.Current - before).Get);
    }

    [Fact]
    public async Task Small_objects_are_one_PUT_and_large_ones_are_uploaded_in_parts()
    {
        var store = bucket.NewStore();
        // A store checks its bucket once, at the first HEAD that finds nothing (a HEAD's 404 cannot say whether the key or the bucket is missing).
        Assert.Null(await store.GetInfoAsync("t1/nothing.bin"));
        Assert.Equal(2, store.Requests.Current.Head);
        var before = store.Requests.Current;
        await using (var write = await store.StartWriteAsync("t1/small.bin"))
        {
            await File.WriteAllBytesAsync(write.StagingPath, new byte[1000]);
            await write.CommitAsync();
        }
        var small = store.Requests.Current - before;

        before = store.Requests.Current;
        var content = new byte[12 * 1024 * 1024 + 5];
        new Random(5).NextBytes(content);
        await using (var write = await store.StartWriteAsync("t1/large.bin"))
        {
            await File.WriteAllBytesAsync(write.StagingPath, content);
            await write.CommitAsync();
        }
        var large = store.Requests.Current - before;

        // A HEAD (does it exist?) then the PUT; for 12 MiB in 5 MiB parts: start, 3 parts, complete.
        Assert.Equal(new S3RequestCounts(Get: 0, Put: 1, List: 0, Head: 1, Delete: 0), small);
        Assert.Equal(new S3RequestCounts(Get: 0, Put: 5, List: 0, Head: 1, Delete: 0), large);
        var stored = await bucket.Client.GetObjectAsync(bucket.Name, $"{store.Prefix}/t1/large.bin");
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task A_delete_asks_first_and_deletes_only_what_exists()
    {
        var store = bucket.NewStore();
        await store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1 });
        var before = store.Requests.Current;

        Assert.True(await store.DeleteAsync("t1/a.bin"));
        Assert.False(await store.DeleteAsync("t1/a.bin"));

        Assert.Equal(new S3RequestCounts(Get: 0, Put: 0, List: 0, Head: 2, Delete: 1), store.Requests.Current - before);
    }

    [Fact]
    public async Task A_Parquet_file_written_through_the_port_is_read_back_through_ranged_GETs()
    {
        var schema = new TableSchema(
            [new Field("key", StringType.Instance)],
            [new Field("timestamp", LongType.Instance)],
            [new Field("value", StringType.Instance)]);
        var store = bucket.NewStore(o => o with { ReadBlockSize = 64 * 1024 });
        var random = new Random(9);
        // Random values, so the file is large (about 1 MiB) and spans many of the stream's 64 KiB blocks.
        var rows = Enumerable.Range(0, 20_000).Select(i => new Row([$"k{i:D6}", (long)i, Convert.ToHexString(BitConverter.GetBytes(random.NextInt64())) + random.Next()])).ToList();
        var settings = ParquetWriteSettings.Defaults(schema) with { RowGroupRowsMax = 4000 };
        await using (var writer = await SortedParquetWriter.StartAsync(store, "t1/data/partition_root/file.parquet", settings))
        {
            var builder = new RecordBatchBuilder(schema);
            foreach (var row in rows)
            {
                builder.Append(row);
            }
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }
        Assert.Null(store.LocalPathOf("t1/data/partition_root/file.parquet"));
        var before = store.Requests.Current;

        var read = new List<Row>();
        using (var reader = await SortedParquetReader.OpenAsync(store, "t1/data/partition_root/file.parquet", schema))
        {
            Assert.Equal(5, reader.RowGroups.Count);
            await foreach (var batch in reader.ReadRowGroupsAsync([1, 3]))
            {
                read.AddRange(BatchRows.ToRows(batch, schema));
            }
        }

        Assert.Equal(rows.Skip(4000).Take(4000).Concat(rows.Skip(12000).Take(4000)).Select(r => r.ToString()), read.Select(r => r.ToString()));
        var requests = store.Requests.Current - before;
        output.WriteLine($"Opening a {(await store.GetInfoAsync("t1/data/partition_root/file.parquet"))!.Size}-byte Parquet file and reading 2 of its 5 row groups: {requests}");
        Assert.Equal(1, requests.Head);
        Assert.InRange(requests.Get, 1, 10);
    }

    [Fact]
    public async Task Abandoned_multipart_uploads_are_aborted_where_the_server_lists_them_and_the_sweep_never_fails_where_it_cannot()
    {
        var store = bucket.NewStore();
        await bucket.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket.Name, Key = $"{store.Prefix}/t1/crashed.parquet" });

        var deleted = await store.DeleteAbandonedWritesAsync(DateTimeOffset.UtcNow.AddMinutes(1));

        // s3rver has no ListMultipartUploads: it answers NotImplemented, and the sweep counts only local staging files.
        Assert.InRange(deleted, 0, 1);
        Assert.True(store.Requests.Current.List >= 1);
    }

    [Fact]
    public async Task Wrong_credentials_are_a_clear_error_quickly()
    {
        using var store = new S3ObjectStore(bucket.Name, "p", bucket.Options(), new BasicAWSCredentials("WRONGKEY", "WRONGSECRET"));
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<S3StoreException>(() => store.GetInfoAsync("t1/a.bin"));
        var onList = await Assert.ThrowsAsync<S3StoreException>(async () => await store.ListAsync("t1/").ToListAsync());
        var onWrite = await Assert.ThrowsAsync<S3StoreException>(() => store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1 }));

        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
        Assert.All(new[] { e, onList, onWrite }, x => Assert.Equal(S3FailureKind.AccessDenied, x.Kind));
        Assert.Equal(bucket.Name, e.Bucket);
        Assert.Equal("p/t1/a.bin", e.Key);
        Assert.Contains("access denied", e.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Message, StringComparison.Ordinal);
        Assert.Contains($"s3://{bucket.Name}/p/t1/a.bin", e.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidAccessKeyId", onList.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_bucket_is_a_clear_error_quickly_for_every_operation()
    {
        using var store = new S3ObjectStore("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], "p", bucket.Options(new TempFolder().Path));
        var clock = Stopwatch.StartNew();

        var errors = new List<S3StoreException>
        {
            await Assert.ThrowsAsync<S3StoreException>(() => store.GetInfoAsync("t1/a.bin")),
            await Assert.ThrowsAsync<S3StoreException>(() => store.OpenReadAsync("t1/a.bin")),
            await Assert.ThrowsAsync<S3StoreException>(() => store.DeleteAsync("t1/a.bin")),
            await Assert.ThrowsAsync<S3StoreException>(async () => await store.ListAsync("t1/").ToListAsync()),
            await Assert.ThrowsAsync<S3StoreException>(() => store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1 })),
        };
        await using (var write = await store.StartWriteAsync("t1/b.bin"))
        {
            errors.Add(await Assert.ThrowsAsync<S3StoreException>(() => write.CommitAsync()));
        }

        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
        Assert.All(errors, e => Assert.Equal(S3FailureKind.BucketMissing, e.Kind));
        Assert.All(errors, e => Assert.Contains($"the bucket '{store.Bucket}' does not exist at {bucket.Endpoint.ToString().TrimEnd('/')}", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_clear_error_within_seconds()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var store = new S3ObjectStore("some-bucket", "p", bucket.Options() with { Endpoint = new Uri($"http://127.0.0.1:{port}") });
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<S3StoreException>(() => store.GetInfoAsync("t1/a.bin"));
        var onRead = await Assert.ThrowsAsync<S3StoreException>(() => store.OpenReadAsync("t1/a.bin"));

        output.WriteLine($"Two operations on a closed port failed in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(clock.Elapsed < Quickly, $"took {clock.Elapsed}");
        Assert.Equal(S3FailureKind.Unreachable, e.Kind);
        Assert.Equal(S3FailureKind.Unreachable, onRead.Kind);
        Assert.Contains($"http://127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("could not be reached", e.Message, StringComparison.Ordinal);
    }
}
