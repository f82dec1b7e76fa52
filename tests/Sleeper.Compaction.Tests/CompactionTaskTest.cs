using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Compaction.Tests;

public class CompactionTaskTest
{
    private static Row StandardRow(string key, long timestamp, string value) => new([key, timestamp, value]);

    private static List<Row> RandomRows(Random random, int count)
    {
        // A small key alphabet, so that inputs interleave closely and keys repeat.
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        return Enumerable.Range(0, count).Select(_ => StandardRow(
            new string(Enumerable.Range(0, 3).Select(_ => letters[random.Next(letters.Length)]).ToArray()),
            random.NextInt64(0, 1000),
            $"v{random.Next()}")).ToList();
    }

    private static IEnumerable<Row> InKeyOrder(IEnumerable<Row> rows) =>
        rows.OrderBy(r => (string)r[0]!, StringComparer.Ordinal).ThenBy(r => (long)r[1]!);

    private static List<string> Canonical(IEnumerable<Row> rows) =>
        rows.Select(r => r.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Compaction_keeps_every_row_of_every_input_inside_the_partition_exactly_once_and_sorted()
    {
        using var table = await TestTable.CreateAsync(splitPoints: ["m"],
            configure: p => p.Set(TableProperty.RowGroupRowsMax.Name, "37"));
        var random = new Random(7);
        var inputs = Enumerable.Range(0, 4).Select(_ => RandomRows(random, 400)).ToList();
        var files = new List<string>();
        foreach (var rows in inputs)
        {
            files.Add(await table.IngestAsync(rows));
        }
        var left = await table.LeafContainingAsync("a");
        var right = await table.LeafContainingAsync("z");
        var job = await table.AssignJobAsync(left.Id, files);

        var result = await new CompactionTask().RunAsync(table.Table, job);

        var expected = inputs.SelectMany(r => r).Where(r => string.CompareOrdinal((string)r[0]!, "m") < 0).ToList();
        var output = await table.ReadFileAsync(job.OutputFile);
        Assert.Equal(Canonical(expected), Canonical(output));
        Assert.Equal(InKeyOrder(output).Select(r => (r[0], r[1])), output.Select(r => (r[0], r[1])));
        Assert.Equal(expected.Count, result.RowsRead);
        Assert.Equal(expected.Count, result.RowsWritten);

        var references = await table.ReferencesAsync();
        var outputReference = Assert.Single(references, r => r.PartitionId == left.Id);
        Assert.Equal(job.OutputFile, outputReference.Filename);
        Assert.Equal(expected.Count, outputReference.NumberOfRows);
        Assert.False(outputReference.CountApproximate);
        Assert.Null(outputReference.JobId);
        // The right leaf still references every input, and the input files stay until garbage collection.
        Assert.Equal(files.Order(StringComparer.Ordinal), references.Where(r => r.PartitionId == right.Id).Select(r => r.Filename));
        Assert.All(files, f => Assert.True(File.Exists(table.Table.LocalPathOf(f))));
        Assert.True(File.Exists(Path.ChangeExtension(table.Table.LocalPathOf(job.OutputFile), ".sketches")));
    }

    [Fact]
    public async Task Compaction_with_two_row_keys_keeps_exactly_the_rows_of_its_partition()
    {
        var schema = new TableSchema(
            [new Field("key", StringType.Instance), new Field("id", IntType.Instance)],
            [new Field("timestamp", LongType.Instance)],
            [new Field("value", StringType.Instance, Nullable: true)]);
        using var table = await TestTable.CreateAsync(schema, splitPoints: ["h", "q"]);
        var random = new Random(11);
        var inputs = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 300).Select(_ => new Row([
            ((char)('a' + random.Next(26))).ToString(), random.Next(-5, 5), random.NextInt64(100), random.Next(4) == 0 ? null : "v"])).ToList()).ToList();
        var files = new List<string>();
        foreach (var rows in inputs)
        {
            files.Add(await table.IngestAsync(rows));
        }
        var middle = await table.LeafContainingAsync("m");
        var job = await table.AssignJobAsync(middle.Id, files);

        var result = await new CompactionTask().RunAsync(table.Table, job);

        var expected = inputs.SelectMany(r => r).Where(r => middle.Region[0].Contains(r[0]!)).ToList();
        Assert.Equal(Canonical(expected), Canonical(await table.ReadFileAsync(job.OutputFile)));
        Assert.Equal(expected.Count, result.RowsWritten);
    }

    [Fact]
    public async Task Compaction_of_one_input_with_no_rows_in_the_partition_commits_an_empty_output()
    {
        using var table = await TestTable.CreateAsync(splitPoints: ["m"], configure: p => p.Set(TableProperty.IngestFileWritingStrategy.Name, "one_reference_per_leaf"));
        var file = await table.IngestAsync([StandardRow("x", 1, "only right"), StandardRow("a", 1, "left")]);
        var left = await table.LeafContainingAsync("a");
        // Drop the left row by ageing everything off, so no row survives.
        table.Table.Properties.Set(TableProperty.Filters.Name, "ageOff(timestamp,1000)");
        var job = await table.AssignJobAsync(left.Id, [file]);

        var result = await new CompactionTask().RunAsync(table.Table, job);

        Assert.Equal(1, result.RowsRead);
        Assert.Equal(0, result.RowsWritten);
        Assert.Empty(await table.ReadFileAsync(job.OutputFile));
        Assert.Equal(0, Assert.Single(await table.ReferencesAsync(), r => r.PartitionId == left.Id).NumberOfRows);
    }

    [Fact]
    public async Task A_job_whose_inputs_are_not_assigned_to_it_fails_and_leaves_the_table_unchanged()
    {
        using var table = await TestTable.CreateAsync();
        var file1 = await table.IngestAsync(RandomRows(new Random(1), 50));
        var file2 = await table.IngestAsync(RandomRows(new Random(2), 50));
        var root = await table.LeafContainingAsync("a");
        await table.AssignJobAsync(root.Id, [file1], jobId: "other-job");
        var before = await table.ReferencesAsync();
        var filesBefore = table.DataFiles();
        var job = table.NewJob("this-job", root.Id, [file1, file2]);

        var error = await Assert.ThrowsAsync<SleeperException>(() => new CompactionTask().RunAsync(table.Table, job));

        Assert.Contains("not assigned to this job", error.Message);
        Assert.Equal(before, await table.ReferencesAsync());
        Assert.Equal(filesBefore, table.DataFiles());
    }

    [Fact]
    public async Task A_task_that_fails_mid_merge_leaves_the_table_unchanged_and_no_output_file()
    {
        using var table = await TestTable.CreateAsync(configure: p =>
        {
            p.Set(TableProperty.IteratorClassName.Name, "Sleeper.Compaction.Tests.Iterator.FailAfterRows");
            p.Set(TableProperty.IteratorConfig.Name, "70000");
        });
        var random = new Random(3);
        var files = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            files.Add(await table.IngestAsync(RandomRows(random, 40_000)));
        }
        var root = await table.LeafContainingAsync("a");
        var job = await table.AssignJobAsync(root.Id, files);
        var before = await table.ReferencesAsync();
        var filesBefore = table.DataFiles();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestIterators.Task().RunAsync(table.Table, job));

        Assert.Contains("Injected failure", error.Message);
        Assert.Equal(before, await table.ReferencesAsync());
        Assert.Equal(filesBefore, table.DataFiles());
    }

    [Fact]
    public async Task A_corrupt_input_fails_the_task_and_leaves_the_table_unchanged_and_no_output_file()
    {
        using var table = await TestTable.CreateAsync(configure: p => p.Set(TableProperty.RowGroupRowsMax.Name, "1000"));
        var random = new Random(4);
        var good = await table.IngestAsync(RandomRows(random, 20_000));
        var bad = await table.IngestAsync(RandomRows(random, 20_000));
        var path = table.Table.LocalPathOf(bad);
        var bytes = await File.ReadAllBytesAsync(path);
        // Scribble over the middle of the data, leaving the footer readable, so the failure comes mid-read.
        random.NextBytes(bytes.AsSpan(bytes.Length / 3, bytes.Length / 3));
        await File.WriteAllBytesAsync(path, bytes);
        var root = await table.LeafContainingAsync("a");
        var job = await table.AssignJobAsync(root.Id, [good, bad]);
        var before = await table.ReferencesAsync();
        var filesBefore = table.DataFiles();

        var error = await Assert.ThrowsAsync<SleeperException>(() => new CompactionTask().RunAsync(table.Table, job));

        Assert.Contains(path, error.Message);

        Assert.Equal(before, await table.ReferencesAsync());
        Assert.Equal(filesBefore, table.DataFiles());
    }

    [Fact]
    public async Task A_cancelled_task_leaves_the_table_unchanged_and_no_output_file()
    {
        using var table = await TestTable.CreateAsync();
        var file = await table.IngestAsync(RandomRows(new Random(5), 1000));
        var root = await table.LeafContainingAsync("a");
        var job = await table.AssignJobAsync(root.Id, [file]);
        var before = await table.ReferencesAsync();
        var filesBefore = table.DataFiles();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new CompactionTask().RunAsync(table.Table, job, cancellation.Token));

        Assert.Equal(before, await table.ReferencesAsync());
        Assert.Equal(filesBefore, table.DataFiles());
    }
}
