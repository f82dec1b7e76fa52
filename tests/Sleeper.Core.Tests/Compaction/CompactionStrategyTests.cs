using Sleeper.Core.Compaction;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Compaction;

public sealed class CompactionStrategyTests
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)]);
    private static readonly PartitionTree Tree = new(PartitionsBuilder.SingleRoot(Schema));

    private static SleeperProperties Properties(int batchSize = 12, int ratio = 3, int maxJobs = 100000)
    {
        var p = SleeperProperties.ForTable();
        p.Set(TableProperty.CompactionFilesBatchSize.Name, batchSize.ToString());
        p.Set(TableProperty.SizeRatioRatio.Name, ratio.ToString());
        p.Set(TableProperty.SizeRatioMaxConcurrentJobsPerPartition.Name, maxJobs.ToString());
        return p;
    }

    private static List<FileReference> Files(params long[] rows) =>
        rows.Select((n, i) => new FileReference($"f{i}", "root", n)).ToList();

    [Fact]
    public void Size_ratio_compacts_four_equal_files_but_not_three()
    {
        var strategy = new SizeRatioCompactionStrategy();
        Assert.Single(strategy.CreateJobs(Properties(), Tree, Files(100, 100, 100, 100)));
        Assert.Empty(strategy.CreateJobs(Properties(), Tree, Files(100, 100, 100)));
    }

    [Fact]
    public void Size_ratio_leaves_out_a_file_much_larger_than_the_rest()
    {
        var job = Assert.Single(new SizeRatioCompactionStrategy().CreateJobs(Properties(), Tree, Files(10, 10, 10, 10, 1000)));
        Assert.Equal(["f0", "f1", "f2", "f3"], job.InputFiles.Order());
    }

    [Fact]
    public void Size_ratio_cuts_batches_and_respects_the_concurrent_job_limit()
    {
        var files = Files(Enumerable.Repeat(5L, 10).ToArray());
        Assert.Equal(2, new SizeRatioCompactionStrategy().CreateJobs(Properties(batchSize: 5), Tree, files).Count);
        Assert.Single(new SizeRatioCompactionStrategy().CreateJobs(Properties(batchSize: 5, maxJobs: 1), Tree, files));
        var running = files.Take(2).Select(f => f with { JobId = "busy" }).Concat(files.Skip(2)).ToList();
        Assert.Empty(new SizeRatioCompactionStrategy().CreateJobs(Properties(batchSize: 4, maxJobs: 1), Tree, running));
    }

    [Fact]
    public void Files_already_in_a_job_are_never_chosen()
    {
        var files = Files(1, 1, 1, 1, 1).Select((f, i) => i < 2 ? f with { JobId = "j" } : f).ToList();
        foreach (var strategy in new ICompactionStrategy[] { new SizeRatioCompactionStrategy(), new BasicCompactionStrategy(), new ForcedCompactionStrategy() })
        {
            foreach (var job in strategy.CreateJobs(Properties(batchSize: 2, ratio: 1), Tree, files))
            {
                Assert.DoesNotContain("f0", job.InputFiles);
                Assert.DoesNotContain("f1", job.InputFiles);
            }
        }
    }

    [Fact]
    public void Basic_makes_only_full_batches()
    {
        var jobs = new BasicCompactionStrategy().CreateJobs(Properties(batchSize: 3), Tree, Files(1, 2, 3, 4, 5, 6, 7));
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(3, j.InputFiles.Count));
    }

    [Fact]
    public void Forced_compacts_every_leaf_with_more_than_one_file_into_one_job()
    {
        var partitions = PartitionsBuilder.FromSplitPoints(Schema, ["m"]);
        var tree = new PartitionTree(partitions);
        var leaves = tree.Leaves.Select(l => l.Id).ToList();
        var refs = new List<FileReference>
        {
            new("a", leaves[0], 1), new("b", leaves[0], 1000), new("c", leaves[0], 5), new("d", leaves[1], 7),
        };
        var job = Assert.Single(new ForcedCompactionStrategy().CreateJobs(Properties(batchSize: 2), tree, refs));
        Assert.Equal(leaves[0], job.PartitionId);
        Assert.Equal(3, job.InputFiles.Count);
    }

    [Theory]
    [InlineData("SizeRatioCompactionStrategy", typeof(SizeRatioCompactionStrategy))]
    [InlineData("sleeper.compaction.strategy.impl.BasicCompactionStrategy", typeof(BasicCompactionStrategy))]
    [InlineData("sleeper.compaction.core.strategy.impl.SizeRatioCompactionStrategy", typeof(SizeRatioCompactionStrategy))]
    public void The_strategy_is_chosen_by_short_or_fully_qualified_name(string name, Type expected)
    {
        var p = SleeperProperties.ForTable();
        p.Set(TableProperty.CompactionStrategyClass.Name, name);
        Assert.IsType(expected, CompactionStrategies.For(p));
    }
}
