using System.Security.Cryptography;
using System.Text;
using Sleeper.Core.Storage;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every adapter of <see cref="IObjectStore"/> promises, as tests: each backend's test project holds a
/// small subclass that says how to make a fresh, empty store. A store is made per test and disposed after it.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    private IObjectStore? _store;

    /// <summary>The store under test, fresh and empty for this test.</summary>
    protected IObjectStore Store => _store ?? throw new InvalidOperationException("The store is made in InitializeAsync.");

    /// <summary>A fresh, empty store, with its own staging area, for one test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Releases what <see cref="CreateStoreAsync"/> made (objects, folders, clients).</summary>
    protected virtual Task DisposeStoreAsync(IObjectStore store) => Task.CompletedTask;

    /// <summary>A size that crosses the adapter's threshold for uploading in parts, if it has one.</summary>
    protected virtual int LargeObjectSize => 12 * 1024 * 1024;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await DisposeStoreAsync(_store);
        }
    }

    [Fact]
    public async Task A_write_becomes_visible_whole_only_on_commit()
    {
        await using var write = await Store.StartWriteAsync("t1/data/partition_root/a.parquet");
        await File.WriteAllTextAsync(write.StagingPath, "content");

        Assert.Equal("t1/data/partition_root/a.parquet", write.Name);
        Assert.Null(await Store.GetInfoAsync("t1/data/partition_root/a.parquet"));
        Assert.Empty(await ListAsync("t1/"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("t1/data/partition_root/a.parquet"));

        await write.CommitAsync();

        Assert.Equal("content", await ReadTextAsync("t1/data/partition_root/a.parquet"));
        Assert.Equal(["t1/data/partition_root/a.parquet"], await ListAsync("t1/"));
        Assert.False(File.Exists(write.StagingPath));
    }

    [Fact]
    public async Task A_write_disposed_without_commit_leaves_nothing()
    {
        string staging;
        await using (var write = await Store.StartWriteAsync("t1/a.parquet"))
        {
            staging = write.StagingPath;
            await File.WriteAllTextAsync(staging, "half");
        }

        Assert.False(File.Exists(staging));
        Assert.Null(await Store.GetInfoAsync("t1/a.parquet"));
        Assert.Empty(await ListAsync(""));
    }

    [Fact]
    public async Task A_commit_never_replaces_an_existing_object()
    {
        await Store.WriteAllBytesAsync("t1/a.parquet", Encoding.UTF8.GetBytes("first"));
        await using var write = await Store.StartWriteAsync("t1/a.parquet");
        await File.WriteAllTextAsync(write.StagingPath, "second");

        var e = await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => write.CommitAsync());

        Assert.Equal("t1/a.parquet", e.Name);
        Assert.Contains("t1/a.parquet", e.Message, StringComparison.Ordinal);
        Assert.Equal("first", await ReadTextAsync("t1/a.parquet"));
    }

    [Fact]
    public async Task Of_two_writes_of_one_name_the_later_commit_is_refused()
    {
        await using var first = await Store.StartWriteAsync("t1/claim.json");
        await using var second = await Store.StartWriteAsync("t1/claim.json");
        Assert.NotEqual(first.StagingPath, second.StagingPath);
        await File.WriteAllTextAsync(first.StagingPath, "first");
        await File.WriteAllTextAsync(second.StagingPath, "second");

        await first.CommitAsync();
        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => second.CommitAsync());

        Assert.Equal("first", await ReadTextAsync("t1/claim.json"));
    }

    [Fact]
    public async Task A_write_cannot_be_committed_twice()
    {
        await using var write = await Store.StartWriteAsync("t1/a.bin");
        await File.WriteAllTextAsync(write.StagingPath, "once");
        await write.CommitAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => write.CommitAsync());
        Assert.Equal("once", await ReadTextAsync("t1/a.bin"));
    }

    [Fact]
    public async Task Writing_all_bytes_replaces_an_object_whole()
    {
        await Store.WriteAllBytesAsync("t1/splitting/unsplittable.json", Encoding.UTF8.GetBytes("old and longer"));
        await Store.WriteAllBytesAsync("t1/splitting/unsplittable.json", Encoding.UTF8.GetBytes("new"));

        Assert.Equal("new", await ReadTextAsync("t1/splitting/unsplittable.json"));
        Assert.Equal(["t1/splitting/unsplittable.json"], await ListAsync("t1/"));
        Assert.Equal(3, (await Store.GetInfoAsync("t1/splitting/unsplittable.json"))!.Size);
    }

    [Fact]
    public async Task Listing_by_prefix_gives_names_in_order_and_never_staging_files()
    {
        foreach (var name in new[] { "t1/data/partition_b/2.parquet", "t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t2/data/partition_a/3.parquet", "t1/datum" })
        {
            await Store.WriteAllBytesAsync(name, new byte[] { 1, 2, 3 });
        }
        await using var pending = await Store.StartWriteAsync("t1/data/partition_a/pending.parquet");
        await File.WriteAllTextAsync(pending.StagingPath, "pending");

        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t1/data/partition_b/2.parquet"], await ListAsync("t1/data/"));
        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t1/data/partition_b/2.parquet", "t1/datum"], await ListAsync("t1/dat"));
        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches"], await ListAsync("t1/data/partition_a/1"));
        Assert.Equal(5, (await ListAsync("")).Count);
        Assert.Empty(await ListAsync("t3/"));
        var listed = new List<StoredObject>();
        await foreach (var o in Store.ListAsync("t2/"))
        {
            listed.Add(o);
        }
        Assert.Equal(("t2/data/partition_a/3.parquet", 3L), (Assert.Single(listed).Name, listed[0].Size));
    }

    [Fact]
    public async Task Listing_many_objects_gives_them_all_in_order()
    {
        var names = Enumerable.Range(0, 1100).Select(i => $"t1/many/{i:x5}.bin").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, token) =>
            await Store.WriteAllBytesAsync(name, new byte[] { 7 }, token));

        Assert.Equal(names, await ListAsync("t1/many/"));
    }

    [Fact]
    public async Task Delete_removes_an_object_and_says_whether_there_was_one()
    {
        await Store.WriteAllBytesAsync("t1/a.parquet", new byte[] { 1 });

        Assert.True(await Store.DeleteAsync("t1/a.parquet"));
        Assert.False(await Store.DeleteAsync("t1/a.parquet"));
        Assert.False(await Store.DeleteAsync("t9/never/was.parquet"));
        Assert.Null(await Store.GetInfoAsync("t1/a.parquet"));
        Assert.Empty(await ListAsync("t1/"));
    }

    [Fact]
    public async Task Info_gives_size_and_time_and_reading_a_missing_object_is_an_error()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        await Store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1, 2, 3, 4, 5 });

        var info = await Store.GetInfoAsync("t1/a.bin");

        Assert.NotNull(info);
        Assert.Equal(("t1/a.bin", 5L), (info.Name, info.Size));
        Assert.InRange(info.LastModified, before, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Null(await Store.GetInfoAsync("t1/missing.bin"));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync("t1/missing.bin"));
        Assert.Equal("t1/missing.bin", e.Name);
        Assert.Contains("t1/missing.bin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_object_reads_as_empty()
    {
        await using (var write = await Store.StartWriteAsync("t1/empty.bin"))
        {
            await write.CommitAsync();
        }

        await using var stream = await Store.OpenReadAsync("t1/empty.bin");
        Assert.Equal(0, stream.Length);
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
        Assert.Equal(0, (await Store.GetInfoAsync("t1/empty.bin"))!.Size);
    }

    [Fact]
    public async Task A_read_stream_seeks_anywhere_and_reads_the_exact_bytes()
    {
        var random = new Random(20240610);
        var content = new byte[3 * 1024 * 1024 + 12345];
        random.NextBytes(content);
        await Store.WriteAllBytesAsync("t1/random.bin", content);

        await using var stream = await Store.OpenReadAsync("t1/random.bin");

        Assert.True(stream.CanRead);
        Assert.True(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Equal(content.Length, stream.Length);
        for (var i = 0; i < 150; i++)
        {
            var offset = random.NextInt64(content.Length + 10);
            var count = random.Next(4) switch { 0 => random.Next(16), 1 => random.Next(64 * 1024), 2 => random.Next(2 * 1024 * 1024), _ => random.Next(300) };
            var origin = (SeekOrigin)random.Next(3);
            var seekTo = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => offset - stream.Position, _ => offset - content.Length };
            Assert.Equal(offset, stream.Seek(seekTo, origin));
            var buffer = new byte[count];
            var read = i % 2 == 0 ? await ReadFullyAsync(stream, buffer) : ReadFully(stream, buffer);
            var expected = (int)Math.Max(0, Math.Min(count, content.Length - offset));
            Assert.Equal(expected, read);
            Assert.True(content.AsSpan((int)Math.Min(offset, content.Length), expected).SequenceEqual(buffer.AsSpan(0, read)), $"bytes differ at {offset} (+{count})");
            Assert.Equal(offset + read, stream.Position);
        }
        stream.Position = content.Length - 3;
        Assert.Equal(content[^3], stream.ReadByte());
    }

    [Fact]
    public async Task An_object_opened_at_its_known_length_reads_the_same_bytes_and_a_deleted_one_fails_by_its_first_read()
    {
        var content = new byte[200_000];
        new Random(7).NextBytes(content);
        await Store.WriteAllBytesAsync("t1/known.bin", content);

        await using (var stream = await Store.OpenReadAsync("t1/known.bin", content.Length))
        {
            Assert.True(stream.CanSeek);
            Assert.Equal(content.Length, stream.Length);
            stream.Position = 150_000;
            var buffer = new byte[60_000];
            Assert.Equal(50_000, await ReadFullyAsync(stream, buffer));
            Assert.True(content.AsSpan(150_000).SequenceEqual(buffer.AsSpan(0, 50_000)));
        }

        await Store.DeleteAsync("t1/known.bin");
        // Stores may find out at opening or at the first read (S3 sends nothing until then); either way it is the port's error.
        await Assert.ThrowsAsync<ObjectNotFoundException>(async () =>
        {
            await using var stream = await Store.OpenReadAsync("t1/known.bin", content.Length);
            await ReadFullyAsync(stream, new byte[10]);
        });
    }

    [Fact]
    public async Task A_large_object_written_through_a_staging_file_reads_back_exactly()
    {
        var content = new byte[LargeObjectSize + 777];
        new Random(7).NextBytes(content);
        await using (var write = await Store.StartWriteAsync("t1/data/partition_root/large.parquet"))
        {
            await File.WriteAllBytesAsync(write.StagingPath, content);
            await write.CommitAsync();
        }

        Assert.Equal(content.Length, (await Store.GetInfoAsync("t1/data/partition_root/large.parquet"))!.Size);
        await using var stream = await Store.OpenReadAsync("t1/data/partition_root/large.parquet");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(copy.ToArray()));
    }

    [Fact]
    public async Task A_large_object_over_an_existing_one_is_refused_and_leaves_the_old_one()
    {
        await Store.WriteAllBytesAsync("t1/big.bin", Encoding.UTF8.GetBytes("small and first"));
        await using var write = await Store.StartWriteAsync("t1/big.bin");
        await File.WriteAllBytesAsync(write.StagingPath, new byte[LargeObjectSize + 1]);

        await Assert.ThrowsAsync<ObjectAlreadyExistsException>(() => write.CommitAsync());

        Assert.Equal("small and first", await ReadTextAsync("t1/big.bin"));
    }

    [Fact]
    public async Task Abandoned_writes_older_than_the_cut_off_are_deleted_and_newer_ones_kept()
    {
        var old = await Store.StartWriteAsync("t1/old.parquet");
        await using var recent = await Store.StartWriteAsync("t1/recent.parquet");
        await File.WriteAllTextAsync(old.StagingPath, "old");
        await File.WriteAllTextAsync(recent.StagingPath, "recent");
        File.SetLastWriteTimeUtc(old.StagingPath, DateTime.UtcNow.AddHours(-3));

        var deleted = await Store.DeleteAbandonedWritesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(old.StagingPath));
        Assert.True(File.Exists(recent.StagingPath));
        await recent.CommitAsync();
        Assert.Equal("recent", await ReadTextAsync("t1/recent.parquet"));
        Assert.Equal(["t1/recent.parquet"], await ListAsync("t1/"));
        await old.DisposeAsync();
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("t1/../../outside.parquet", "'..'")]
    [InlineData("..", "'..'")]
    [InlineData("t1//a.parquet", "empty segment")]
    [InlineData("t1/./a.parquet", "'.'")]
    [InlineData("t1/", "empty segment")]
    [InlineData(".staging/x.tmp", "hidden")]
    [InlineData("t1\\..\\..\\x", "backslash")]
    public async Task Invalid_names_are_refused_by_every_operation(string name, string reason)
    {
        var e = await Assert.ThrowsAsync<InvalidObjectNameException>(() => Store.StartWriteAsync(name));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => Store.OpenReadAsync(name));
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => Store.GetInfoAsync(name));
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => Store.DeleteAsync(name));
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => Store.WriteAllBytesAsync(name, new byte[] { 1 }));
        Assert.Throws<InvalidObjectNameException>(() => Store.LocalPathOf(name));
    }

    [Theory]
    [InlineData("/t1/")]
    [InlineData("t1/../")]
    [InlineData("t1//")]
    [InlineData(".staging/")]
    public async Task Invalid_prefixes_are_refused_by_listing(string prefix)
    {
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => ListAsync(prefix));
    }

    [Fact]
    public async Task A_local_path_when_there_is_one_holds_the_object()
    {
        await Store.WriteAllBytesAsync("t1/a.bin", Encoding.UTF8.GetBytes("here"));

        var path = Store.LocalPathOf("t1/a.bin");

        if (path is not null)
        {
            Assert.Equal("here", await File.ReadAllTextAsync(path));
        }
    }

    protected async Task<List<string>> ListAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var o in Store.ListAsync(prefix))
        {
            names.Add(o.Name);
        }
        return names;
    }

    protected async Task<string> ReadTextAsync(string name)
    {
        await using var stream = await Store.OpenReadAsync(name);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total));
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
