namespace Sleeper.Aws.Tests;

/// <summary>
/// A process killed mid-write leaves its staged file in its machine's staging folder. A worker's machine may never
/// run <c>sleeper gc</c> (whose sweep, <see cref="S3ObjectStore.DeleteAbandonedWritesAsync"/>, removes such files), so
/// the next store to stage a write there removes those left for longer than any write takes.
/// </summary>
public sealed class StagingLeftoversTest(S3TestBucket bucket) : IClassFixture<S3TestBucket>
{
    [Fact]
    public async Task The_first_write_of_a_store_deletes_staged_writes_left_for_over_a_day_and_keeps_younger_ones()
    {
        var store = bucket.NewStore();
        Directory.CreateDirectory(store.StagingFolder);
        var killed = Path.Combine(store.StagingFolder, $"{Guid.NewGuid():N}-killed.parquet.tmp");
        var running = Path.Combine(store.StagingFolder, $"{Guid.NewGuid():N}-running.parquet.tmp");
        var other = Path.Combine(store.StagingFolder, "not-a-staged-write.txt");
        foreach (var file in new[] { killed, running, other })
        {
            await File.WriteAllBytesAsync(file, new byte[10]);
        }
        File.SetLastWriteTimeUtc(killed, DateTime.UtcNow - S3ObjectStore.AbandonedStagingAge - TimeSpan.FromHours(1));
        File.SetLastWriteTimeUtc(running, DateTime.UtcNow - S3ObjectStore.AbandonedStagingAge + TimeSpan.FromHours(1));
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow - TimeSpan.FromDays(30));

        await using (var write = await store.StartWriteAsync("t1/new.parquet"))
        {
            await File.WriteAllBytesAsync(write.StagingPath, [1, 2, 3]);
            await write.CommitAsync();
        }

        Assert.False(File.Exists(killed));
        Assert.True(File.Exists(running));
        Assert.True(File.Exists(other));
    }
}
