using Sleeper.Core;
using Sleeper.Core.Storage;
using Sleeper.Ingest.Input;
using Xunit;

namespace Sleeper.Ingest.Tests;

public sealed class LocalInputFileStoreTest : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, string content)
    {
        var path = _folder.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public async Task A_folder_stands_for_its_files_at_any_depth_in_path_order_without_hidden_ones()
    {
        Write("in/b.csv", "12");
        Write("in/a/z.jsonl", "1");
        Write("in/.partial.csv", "xx");
        Write("in/a/notes.txt", "123");

        var resolved = await LocalInputFileStore.Instance.ResolveAsync(_folder.File("in"));

        Assert.True(resolved.IsFolder);
        Assert.Equal(
            [new InputFile(_folder.File("in/a/notes.txt"), 3), new InputFile(_folder.File("in/a/z.jsonl"), 1), new InputFile(_folder.File("in/b.csv"), 2)],
            resolved.Files);
    }

    [Fact]
    public async Task A_file_is_itself_by_its_full_path_and_opens_for_reading()
    {
        var file = Write("one.csv", "hello");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);

        var resolved = await LocalInputFileStore.Instance.ResolveAsync(relative);

        Assert.False(resolved.IsFolder);
        var found = Assert.Single(resolved.Files);
        Assert.Equal(new InputFile(file, 5), found);
        Assert.Equal(file, LocalInputFileStore.Instance.LocalPathOf(found));
        using var reader = new StreamReader(LocalInputFileStore.Instance.OpenRead(found));
        Assert.Equal("hello", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task A_missing_path_an_empty_folder_and_a_URI_are_errors_naming_them()
    {
        var missing = _folder.File("missing.csv");
        Assert.Equal($"Input {missing} does not exist.", (await Assert.ThrowsAsync<InputNotFoundException>(() => LocalInputFileStore.Instance.ResolveAsync(missing))).Message);
        var empty = _folder.File("empty");
        Directory.CreateDirectory(empty);
        Assert.Contains(empty, (await Assert.ThrowsAsync<InputNotFoundException>(() => LocalInputFileStore.Instance.ResolveAsync(empty))).Message, StringComparison.Ordinal);

        Assert.False(LocalInputFileStore.Instance.Accepts("s3://bucket/key.csv"));
        var uri = await Assert.ThrowsAnyAsync<SleeperException>(() => LocalInputFileStore.Instance.ResolveAsync("s3://bucket/key.csv"));
        Assert.Equal("Cannot read input s3://bucket/key.csv: this process was not set up to read s3:// inputs.", uri.Message);
    }

    [Fact]
    public void A_job_names_local_paths_in_full_and_URIs_as_given()
    {
        var relative = Path.Combine("some", "file.csv");

        Assert.Equal([Path.GetFullPath(relative), "s3://bucket/prefix/"], IngestInputs.ForJob([relative, "s3://bucket/prefix/"]));
    }
}
