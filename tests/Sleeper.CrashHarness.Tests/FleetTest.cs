using Sleeper.CrashHarness;
using Sleeper.CrashHarness.Scenarios;
using Xunit.Abstractions;

namespace Sleeper.CrashHarness.Tests;

/// <summary>
/// Issue 10's multi-process test: a fleet of workers as separate OS processes (three compaction, two ingest) against
/// an instance in a bucket of the S3 server with its state, queues and trackers in PostgreSQL, while a client
/// submits ingest jobs of new rows and queues compaction jobs; one worker of each kind killed with SIGKILL mid-job
/// and replaced (<see cref="Fleet"/>). Every submitted row comes back exactly once, no file reference is compacted
/// twice, and every worker left running exits by itself on its idle timeout.
/// </summary>
[Collection(ServicesCollection.Name)]
public sealed class FleetTest(ITestOutputHelper output)
{
    [Fact]
    public async Task A_fleet_of_workers_killed_mid_job_loses_and_duplicates_nothing_compacts_no_file_twice_and_scales_to_zero()
    {
        var fleet = new Fleet();
        var result = await Harness.RunTrialAsync(fleet, Harness.TrialSeed(29, 0), backend: Backend.Services);

        var counts = result.Counts ?? new Dictionary<string, int>();
        output.WriteLine($"fleet on services: {result.Figures.Processes} processes, {result.Figures.Kills} kill(s), {result.Figures.Rows.Checked} rows checked, " +
            $"{result.Figures.Rows.Lost} lost, {result.Figures.Rows.Duplicated} duplicated, {result.Elapsed.TotalSeconds:F1} s; " +
            string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        foreach (var line in result.Log)
        {
            output.WriteLine("  " + line.ReplaceLineEndings(" "));
        }
        Assert.True(result.Passed, Harness.Describe(result));
        Assert.True(result.Figures.Kills >= 2, "a worker of each kind should have been killed");
        Assert.True(counts.GetValueOrDefault("compaction jobs held by killed workers") + counts.GetValueOrDefault("ingest jobs held by killed workers") >= 1,
            "no killed worker was holding a job: no kill landed mid-job");
        Assert.True(counts.GetValueOrDefault("workers started") >= fleet.CompactionWorkers + fleet.IngestWorkers);
        Assert.Equal(counts.GetValueOrDefault("workers started") - result.Figures.Kills, counts.GetValueOrDefault("workers that scaled to zero"));
        Assert.True(counts.GetValueOrDefault("ingest jobs submitted") >= 2, "the client submitted too few ingest jobs to show anything");
        Assert.True(counts.GetValueOrDefault("compaction jobs committed") >= 1, "no compaction job committed");
        Assert.True(result.Figures.Rows.Checked > 0);
    }
}
