using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using Sleeper.LocalServices;
using Sleeper.LocalServices.S3;
using Xunit.Abstractions;

namespace Sleeper.Aws.Tests;

/// <summary>
/// An s3rver of the test's own, stopped in the middle of a write uploaded in parts: the write fails clearly within
/// seconds and leaves no object; started again on the same port and folder, the next write goes through.
/// </summary>
public sealed class S3ServerStoppedTest(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempFolder _home = new();
    private readonly TempFolder _scratch = new();
    private readonly string _bucket = $"stopped-{Guid.NewGuid():N}"[..24];
    private S3rverServer _server = null!;
    private ServerRecord? _record;

    public async Task InitializeAsync()
    {
        // The shared npm folder, so s3rver is not installed again.
        _server = new S3rverServer(new ServicesLayout(_home.Path, ServicesLayout.FromEnvironment().NpmPrefix), TextWriter.Null);
        _record = await _server.StartAsync(null, CancellationToken.None);
        try
        {
            using var client = Client();
            await client.PutBucketAsync(new PutBucketRequest { BucketName = _bucket });
        }
        catch
        {
            // xunit does not dispose a class whose initialisation failed: stop the server here, or it outlives the run.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_record is not null)
        {
            await _server.StopAsync(_record, CancellationToken.None);
        }
        _scratch.Dispose();
        _home.Dispose();
    }

    private Uri Endpoint => new($"http://127.0.0.1:{_record!.Port}");

    private AmazonS3Client Client() => new(new AmazonS3Config
    {
        ServiceURL = Endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
    });

    [Fact]
    public async Task A_server_stopped_mid_upload_fails_the_write_clearly_leaves_no_object_and_after_a_restart_writes_work()
    {
        var port = _record!.Port;
        using var store = new S3ObjectStore(_bucket, "p", new S3ObjectStoreOptions
        {
            Endpoint = Endpoint,
            ScratchFolder = _scratch.Path,
            MultipartThreshold = 5 * 1024 * 1024,
            PartSize = 5 * 1024 * 1024,
            UploadConcurrency = 1,
        });
        var content = new byte[80 * 1024 * 1024];
        new Random(7).NextBytes(content);
        await using var write = await store.StartWriteAsync("t1/big.bin");
        await File.WriteAllBytesAsync(write.StagingPath, content);
        var putsBefore = store.Requests.Current.Put;

        var committing = write.CommitAsync();
        // The upload has started and sent at least one part.
        var waiting = Stopwatch.StartNew();
        while (store.Requests.Current.Put < putsBefore + 3 && !committing.IsCompleted && waiting.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(1);
        }
        Assert.False(committing.IsCompleted, "the upload finished before the server could be stopped");
        await _server.StopAsync(_record, CancellationToken.None);
        var stoppedAt = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<S3StoreException>(() => committing);
        output.WriteLine($"Failed {stoppedAt.Elapsed.TotalMilliseconds:F0} ms after the stop, {store.Requests.Current.Put - putsBefore} PUTs sent: {e.Kind}: {e.Message}");
        Assert.True(stoppedAt.Elapsed < TimeSpan.FromSeconds(20), $"took {stoppedAt.Elapsed}");
        Assert.Equal(S3FailureKind.Unreachable, e.Kind);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("p/t1/big.bin", e.Message, StringComparison.Ordinal);

        _record = await _server.StartAsync(port, CancellationToken.None);
        Assert.Equal(port, _record.Port);
        Assert.Null(await store.GetInfoAsync("t1/big.bin"));
        Assert.Empty(await store.ListAsync("t1/").ToListAsync());

        await store.WriteAllBytesAsync("t1/after.bin", new byte[] { 1, 2, 3 });
        await using (var again = await store.StartWriteAsync("t1/big.bin"))
        {
            await File.WriteAllBytesAsync(again.StagingPath, content.AsSpan(0, 12 * 1024 * 1024).ToArray());
            await again.CommitAsync();
        }
        Assert.Equal(3, (await store.GetInfoAsync("t1/after.bin"))!.Size);
        Assert.Equal(12 * 1024 * 1024, (await store.GetInfoAsync("t1/big.bin"))!.Size);
    }
}
