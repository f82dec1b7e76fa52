using Sleeper.Core;
using Sleeper.Core.Storage;
using Sleeper.Ingest.Batcher;
using Xunit;

namespace Sleeper.Ingest.Tests.Batcher;

public sealed class IngestBatcherFilesTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string relative, int bytes)
    {
        var path = Path.Combine(_folder.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public void Folders_are_read_recursively_for_ingestible_files_each_with_its_size()
    {
        var a = Write("in/a.parquet", 10);
        var b = Write("in/deeper/b.csv", 20);
        var c = Write("in/deeper/c.jsonl", 30);
        Write("in/notes.txt", 5);
        Write("in/.hidden.csv", 5);
        var single = Write("single.jsonl", 40);

        var requests = IngestBatcherFiles.Resolve([Path.Combine(_folder.Path, "in"), single, a], "t1", T0);

        Assert.Equal([a, b, c, single], requests.Select(r => r.File));
        Assert.Equal([10L, 20, 30, 40], requests.Select(r => r.FileSizeBytes));
        Assert.All(requests, r => Assert.Equal(("t1", T0), (r.TableId, r.ReceivedTime)));
    }

    [Fact]
    public void Paths_become_full_paths_so_a_worker_elsewhere_finds_them()
    {
        var file = Write("x.csv", 1);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);

        Assert.Equal(file, Assert.Single(IngestBatcherFiles.Resolve([relative], "t1", T0)).File);
    }

    [Fact]
    public void A_missing_path_a_file_no_job_can_read_and_a_folder_without_inputs_are_errors_naming_them()
    {
        var missing = Path.Combine(_folder.Path, "missing.parquet");
        Assert.Contains(missing, Assert.Throws<InputNotFoundException>(() => IngestBatcherFiles.Resolve([missing], "t1", T0)).Message, StringComparison.Ordinal);
        var text = Write("notes.txt", 1);
        Assert.Contains(text, Assert.Throws<SleeperException>(() => IngestBatcherFiles.Resolve([text], "t1", T0)).Message, StringComparison.Ordinal);
        var empty = Path.Combine(_folder.Path, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains(empty, Assert.ThrowsAny<SleeperException>(() => IngestBatcherFiles.Resolve([empty], "t1", T0)).Message, StringComparison.Ordinal);
    }
}
