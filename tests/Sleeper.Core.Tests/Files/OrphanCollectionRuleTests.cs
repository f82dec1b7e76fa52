using Sleeper.Core.Files;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Tests.Files;

public sealed class OrphanCollectionRuleTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-02T00:00:00Z");

    [Fact]
    public void The_default_delay_is_a_day()
    {
        Assert.Equal(TimeSpan.FromDays(1), OrphanCollectionRule.For(SleeperProperties.ForTable()).Delay);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    public void A_delay_that_is_not_a_positive_number_of_minutes_is_refused_naming_the_property(string value)
    {
        var error = Assert.Throws<PropertyException>(() => SleeperProperties.ForTable().Set(TableProperty.GcOrphanDelayMinutes.Name, value));
        Assert.Contains("sleeper.table.gc.orphan.delay.minutes", error.Message);
    }

    [Fact]
    public void An_object_may_be_deleted_only_once_older_than_the_delay()
    {
        var rule = new OrphanCollectionRule(TimeSpan.FromMinutes(60));
        Assert.False(rule.MayDelete(Now - TimeSpan.FromMinutes(59), Now));
        Assert.False(rule.MayDelete(Now - TimeSpan.FromMinutes(60), Now));
        Assert.True(rule.MayDelete(Now - TimeSpan.FromMinutes(61), Now));
    }

    [Fact]
    public void A_writer_may_commit_files_begun_up_to_half_the_delay_ago()
    {
        var rule = new OrphanCollectionRule(TimeSpan.FromMinutes(60));
        rule.EnsureCanCommit("t", Now - TimeSpan.FromMinutes(30), Now);
    }

    [Fact]
    public void A_writer_is_refused_files_begun_more_than_half_the_delay_ago_with_a_message_naming_table_and_property()
    {
        var rule = new OrphanCollectionRule(TimeSpan.FromMinutes(60));
        var error = Assert.Throws<FilesTooOldToCommitException>(() => rule.EnsureCanCommit("t", Now - TimeSpan.FromMinutes(31), Now));
        Assert.Contains("'t'", error.Message);
        Assert.Contains("sleeper.table.gc.orphan.delay.minutes", error.Message);
    }

    [Fact]
    public void A_writer_timed_by_a_stopwatch_is_held_to_the_same_limit()
    {
        var rule = new OrphanCollectionRule(TimeSpan.FromMinutes(60));
        rule.EnsureCanCommit("t", TimeSpan.FromMinutes(30));
        Assert.Throws<FilesTooOldToCommitException>(() => rule.EnsureCanCommit("t", TimeSpan.FromMinutes(31)));
    }

    [Fact]
    public void No_file_a_writer_may_still_commit_is_old_enough_to_delete_for_a_margin_of_half_the_delay()
    {
        // The safety argument: a file written at w is committed (if at all) after a check at c <= w + delay/2;
        // it is deleted only at d > w + delay. So between the last allowed check and the first allowed deletion
        // there is more than half the delay, whatever w.
        var rule = new OrphanCollectionRule(TimeSpan.FromMinutes(90));
        var written = Now;
        var lastCheck = written + rule.LongestWrite;
        rule.EnsureCanCommit("t", written, lastCheck);
        Assert.False(rule.MayDelete(written, lastCheck + rule.Delay / 2));
    }
}
