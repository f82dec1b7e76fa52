using System.Text;
using Sleeper.Core.Storage;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.StateStore.Tests;

/// <summary>What only the embedded adapter does (links, hidden temporary files, local paths); the port's contract is in <see cref="LocalObjectStoreContractTest"/>.</summary>
public sealed class LocalObjectStoreTest : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTest()
    {
        _store = new LocalObjectStore(_folder.Combine("instance"));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Listing_by_prefix_gives_names_in_order_and_never_staging_or_temporary_files()
    {
        foreach (var name in new[] { "t1/data/partition_b/2.parquet", "t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t2/data/partition_a/3.parquet", "t1/datum" })
        {
            await _store.WriteAllBytesAsync(name, new byte[] { 1, 2, 3 });
        }
        await using var pending = await _store.StartWriteAsync("t1/data/partition_a/pending.parquet");
        await File.WriteAllTextAsync(pending.StagingPath, "pending");
        await File.WriteAllTextAsync(_folder.Combine("instance", "t1", "data", "partition_a", ".old.parquet.abc.tmp"), "left by a crash");

        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t1/data/partition_b/2.parquet"], await ListAsync("t1/data/"));
        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches", "t1/data/partition_b/2.parquet", "t1/datum"], await ListAsync("t1/dat"));
        Assert.Equal(["t1/data/partition_a/1.parquet", "t1/data/partition_a/1.sketches"], await ListAsync("t1/data/partition_a/1"));
        Assert.Empty(await ListAsync("t3/"));
        var listed = new List<StoredObject>();
        await foreach (var o in _store.ListAsync("t2/"))
        {
            listed.Add(o);
        }
        Assert.Equal(3, Assert.Single(listed).Size);
    }

    [Fact]
    public async Task A_symbolic_link_to_a_folder_outside_the_instance_is_refused_and_never_listed()
    {
        var outside = _folder.Combine("outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.parquet"), "secret");
        Directory.CreateDirectory(_folder.Combine("instance", "t1"));
        Directory.CreateSymbolicLink(_folder.Combine("instance", "t1", "data"), outside);

        var e = await Assert.ThrowsAsync<InvalidObjectNameException>(() => _store.OpenReadAsync("t1/data/secret.parquet"));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => _store.StartWriteAsync("t1/data/new.parquet"));
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => _store.DeleteAsync("t1/data/secret.parquet"));
        Assert.Empty(await ListAsync("t1/"));
        Assert.True(File.Exists(Path.Combine(outside, "secret.parquet")));
    }

    [Fact]
    public async Task A_symbolic_link_to_a_file_outside_the_instance_is_refused()
    {
        var outside = _folder.Combine("secret.parquet");
        await File.WriteAllTextAsync(outside, "secret");
        Directory.CreateDirectory(_folder.Combine("instance", "t1"));
        File.CreateSymbolicLink(_folder.Combine("instance", "t1", "a.parquet"), outside);

        await Assert.ThrowsAsync<InvalidObjectNameException>(() => _store.OpenReadAsync("t1/a.parquet"));
        Assert.Empty(await ListAsync("t1/"));
    }

    [Fact]
    public async Task A_symbolic_link_to_a_folder_inside_the_instance_is_followed()
    {
        await _store.WriteAllBytesAsync("t1/data/a.parquet", Encoding.UTF8.GetBytes("a"));
        Directory.CreateSymbolicLink(_folder.Combine("instance", "t2"), _folder.Combine("instance", "t1"));

        Assert.Equal("a", await ReadAsync("t2/data/a.parquet"));
        Assert.Equal(["t2/data/a.parquet"], await ListAsync("t2/"));
    }

    [Fact]
    public async Task Abandoned_writes_older_than_the_cut_off_are_deleted_and_newer_ones_kept()
    {
        var old = await _store.StartWriteAsync("t1/old.parquet");
        var recent = await _store.StartWriteAsync("t1/recent.parquet");
        await File.WriteAllTextAsync(old.StagingPath, "old");
        await File.WriteAllTextAsync(recent.StagingPath, "recent");
        var oldTemporary = _folder.Combine("instance", "t1", "statestore", ".00001.json.abc.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(oldTemporary)!);
        await File.WriteAllTextAsync(oldTemporary, "old");
        var longAgo = DateTime.UtcNow.AddHours(-3);
        File.SetLastWriteTimeUtc(old.StagingPath, longAgo);
        File.SetLastWriteTimeUtc(oldTemporary, longAgo);

        var deleted = await _store.DeleteAbandonedWritesAsync(DateTimeOffset.UtcNow.AddHours(-1));

        Assert.Equal(2, deleted);
        Assert.False(File.Exists(old.StagingPath));
        Assert.False(File.Exists(oldTemporary));
        Assert.True(File.Exists(recent.StagingPath));
        await recent.CommitAsync();
        Assert.Equal("recent", await ReadAsync("t1/recent.parquet"));
    }

    [Fact]
    public async Task The_local_path_of_an_object_is_inside_the_instance()
    {
        await _store.WriteAllBytesAsync("t1/a.bin", new byte[] { 1 });

        var path = _store.LocalPathOf("t1/a.bin");

        Assert.Equal(Path.Combine(_folder.Combine("instance"), "t1", "a.bin"), path);
        Assert.True(File.Exists(path));
    }

    private async Task<List<string>> ListAsync(string prefix)
    {
        var names = new List<string>();
        await foreach (var o in _store.ListAsync(prefix))
        {
            names.Add(o.Name);
        }
        return names;
    }

    private async Task<string> ReadAsync(string name)
    {
        await using var stream = await _store.OpenReadAsync(name);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
