using Sleeper.Core;
using Sleeper.Core.Storage;

namespace Sleeper.Compaction.Tests;

/// <summary>File names from job messages and folders on disk can never take a job outside the instance folder.</summary>
public sealed class NamesOutsideTheInstanceTest
{
    private static IEnumerable<Row> Rows(int count) => Enumerable.Range(0, count).Select(i => new Row([$"k{i:D3}", (long)i, "v"]));

    [Fact]
    public async Task A_compaction_job_whose_output_names_a_file_outside_the_instance_is_refused_and_writes_nothing_there()
    {
        using var table = await TestTable.CreateAsync();
        var files = new[] { await table.IngestAsync(Rows(10)), await table.IngestAsync(Rows(10)) };
        var job = await table.AssignJobAsync("root", files);
        var escape = $"{table.Table.Id}/../../escaped-{Guid.NewGuid():N}.parquet";

        var e = await Assert.ThrowsAsync<InvalidObjectNameException>(() => new CompactionTask().RunAsync(table.Table, job with { OutputFile = escape }));

        Assert.Contains("'..'", e.Message);
        Assert.False(File.Exists(Path.GetFullPath(Path.Combine(table.Root, escape))));
        Assert.Equal(files.Order(StringComparer.Ordinal), (await table.ReferencesAsync()).Select(r => r.Filename));
    }

    [Fact]
    public async Task A_table_data_folder_that_is_a_symbolic_link_to_outside_the_instance_is_never_written_or_read()
    {
        using var table = await TestTable.CreateAsync();
        using var outside = new TempFolder();
        var file = await table.IngestAsync(Rows(10));
        // Someone replaces the table's data folder with a link to a folder outside the instance.
        var data = Path.Combine(table.Table.LocalFolder(), "data");
        Directory.Move(data, data + "-moved");
        Directory.CreateSymbolicLink(data, outside.Path);

        var ingest = await Assert.ThrowsAsync<InvalidObjectNameException>(() => table.IngestAsync(Rows(10)));
        Assert.Contains("symbolic link", ingest.Message);
        var job = await table.AssignJobAsync("root", [file]);
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => new CompactionTask().RunAsync(table.Table, job));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside.Path, "*", SearchOption.AllDirectories));
    }
}
