using Sleeper.CrashHarness;
using Sleeper.CrashHarness.Scenarios;
using Xunit.Abstractions;

namespace Sleeper.CrashHarness.Tests;

/// <summary>
/// The short run of the harness on services: trials whose instance is a bucket of the S3 server with its state,
/// queues and trackers in PostgreSQL (the servers ./test.sh starts), killing submits, ingest workers and compaction
/// workers, each checked against the model, and each leaving no bucket and no schema behind.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class ServicesRunTest(ITestOutputHelper output)
{
    private const int Seed = 19;

    [Theory]
    [InlineData("ingest-queued")]
    [InlineData("compact-queued")]
    public async Task Trials_on_S3_and_PostgreSQL_lose_no_committed_row_duplicate_none_and_leave_nothing_stranded(string name)
    {
        var scenario = AllScenarios.Named(name);
        var failures = new List<string>();
        var kills = 0;
        for (var i = 0; i < 2; i++)
        {
            var seed = Harness.TrialSeed(Seed, AllScenarios.List.ToList().IndexOf(scenario) * 10 + i);
            var result = await Harness.RunTrialAsync(scenario, seed, backend: Backend.Services);
            kills += result.Figures.Kills;
            output.WriteLine($"{name} seed {seed} on services: {result.Figures.Processes} processes, {result.Figures.Kills} kill(s), " +
                $"{result.Figures.Rows.Checked} rows checked, {result.Figures.Rows.Lost} lost, {result.Figures.Rows.Duplicated} duplicated, {result.Elapsed.TotalSeconds:F1} s");
            if (!result.Passed)
            {
                failures.Add(Harness.Describe(result));
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(kills > 0, "no process was killed: the trials showed nothing");
    }

    [Fact]
    public async Task A_trial_on_services_removes_its_bucket_and_its_schema()
    {
        string bucket;
        string instanceId;
        await using (var trial = new Trial("cleanup", 1, Backend.Services))
        {
            await trial.SetUpAsync(new TableSetup());
            await trial.IngestInProcessAsync(20);
            bucket = trial.Bucket!;
            instanceId = trial.InstanceId!;
            Assert.Empty(trial.Violations);
        }
        using var client = ServicesBackend.NewClient();
        Assert.DoesNotContain((await client.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == bucket);
        await using var source = Npgsql.NpgsqlDataSource.Create(TestSupport.LocalServers.PostgresConnectionString);
        await using var connection = await source.OpenConnectionAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", connection) { Parameters = { new() { Value = $"sleeper_{instanceId}" } } };
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }
}
