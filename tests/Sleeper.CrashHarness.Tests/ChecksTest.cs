using Sleeper.CrashHarness;
using Sleeper.CrashHarness.Checks;

namespace Sleeper.CrashHarness.Tests;

/// <summary>The checks find what they look for: a harness whose checks cannot fail proves nothing.</summary>
public sealed class ChecksTest
{
    [Fact]
    public async Task A_clean_table_passes_every_check()
    {
        await using var trial = new Trial("checks", 1);
        await trial.SetUpAsync(new TableSetup());
        await trial.IngestInProcessAsync(100);

        await Recovery.RunAsync(trial);
        var rows = await TableInvariants.CheckAsync(trial);

        Assert.Empty(trial.Violations);
        Assert.Equal(new RowCounts(100, 0, 0), rows);
    }

    [Fact]
    public async Task A_committed_batch_ingested_twice_is_reported_duplicated()
    {
        await using var trial = new Trial("checks", 2);
        await trial.SetUpAsync(new TableSetup());
        var (batch, path) = trial.NewBatchFile(50, "ingest");
        await trial.MustAsync(null, "ingest", Trial.TableName, path);
        await trial.MustAsync(null, "ingest", Trial.TableName, path);
        batch.Outcome = BatchOutcome.Committed;

        var rows = await TableInvariants.CheckAsync(trial);

        Assert.Contains(trial.Violations, v => v.Kind == ViolationKind.Duplicated);
        Assert.Equal(50, rows.Duplicated);
    }

    [Fact]
    public async Task A_deleted_data_file_is_reported_as_a_dangling_reference_and_its_rows_as_lost()
    {
        await using var trial = new Trial("checks", 3);
        await trial.SetUpAsync(new TableSetup());
        await trial.IngestInProcessAsync(80);
        var file = Directory.EnumerateFiles(Path.Combine(trial.Instance, TableInvariants.TableId(trial.Instance), "data"), "*.parquet", SearchOption.AllDirectories).First();
        File.Delete(file);

        var rows = await TableInvariants.CheckAsync(trial);

        Assert.Contains(trial.Violations, v => v.Kind == ViolationKind.DanglingReference);
        Assert.Equal(80, rows.Lost);
    }

    [Fact]
    public async Task Part_of_a_killed_batch_is_reported_partial_and_a_file_assigned_to_a_job_stranded()
    {
        await using var trial = new Trial("checks", 4);
        await trial.SetUpAsync(new TableSetup());
        var whole = trial.Model.NewBatch(trial.Random, 40, "ingest (killed)");
        var (_, path) = trial.NewBatchFile(0, "unused");
        await File.WriteAllTextAsync(path, RowModel.ToJsonLines(new Batch(whole.Number, whole.How, whole.Keys.Take(10).ToList())));
        await trial.MustAsync(null, "ingest", Trial.TableName, path);
        await trial.IngestInProcessAsync(30);
        await trial.MustAsync(null, "compact", Trial.TableName, "--all", "--queue-only");
        Directory.Delete(Path.Combine(trial.Instance, "queues", "compaction", "messages"), recursive: true);

        await TableInvariants.CheckAsync(trial);

        Assert.Contains(trial.Violations, v => v.Kind == ViolationKind.Partial && v.Detail.Contains("10 of 40"));
        Assert.Contains(trial.Violations, v => v.Kind == ViolationKind.Stranded);
    }
}
