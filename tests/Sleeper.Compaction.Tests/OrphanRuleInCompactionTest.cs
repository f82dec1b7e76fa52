using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Files;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// A compaction that ran for longer than half the orphan delay must not commit: garbage collection may already
/// have deleted its output as an orphan (see OrphanCollectionRule).
/// </summary>
public class OrphanRuleInCompactionTest
{
    [Fact]
    public async Task A_compaction_begun_more_than_half_the_orphan_delay_ago_commits_nothing_and_leaves_no_output()
    {
        using var table = await TestTable.CreateAsync();
        var files = new List<string>
        {
            await table.IngestAsync([new Row(["a", 1L, "x"])]),
            await table.IngestAsync([new Row(["b", 2L, "y"])]),
        };
        var job = await table.AssignJobAsync("root", files);
        var before = await table.ReferencesAsync();
        // Every reading of this clock moves it on 13 hours: the job's end is read more than 12 hours (half the
        // default day) after its start.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow) { AutoAdvanceAmount = TimeSpan.FromHours(13) };

        await Assert.ThrowsAsync<FilesTooOldToCommitException>(() => new CompactionTask(clock).RunAsync(table.Table, job));

        Assert.Equal(before, await table.ReferencesAsync());
        Assert.DoesNotContain(table.DataFiles(), f => f.Contains(Path.GetFileNameWithoutExtension(job.OutputFile), StringComparison.Ordinal));
    }
}
