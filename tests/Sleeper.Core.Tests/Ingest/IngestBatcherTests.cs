using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Ingest;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Tests.Ingest;

/// <summary>The batcher's grouping rules, each on its own.</summary>
public sealed class IngestBatcherTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private int _jobs;

    private IngestBatcher Batcher() => new(_time, () => $"job-{++_jobs}");

    /// <summary>Table properties where only the rule under test can hold files back: the other minimums are met by anything, the maximums never bind.</summary>
    private static SleeperProperties Properties(params (PropertyDefinition Property, string Value)[] values)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.BatcherJobMinSize.Name, "1");
        properties.Set(TableProperty.BatcherJobMinFiles.Name, "1");
        properties.Set(TableProperty.BatcherJobMaxSize.Name, "1T");
        properties.Set(TableProperty.BatcherJobMaxFiles.Name, "1000");
        properties.Set(TableProperty.BatcherFileMaxAgeSeconds.Name, "3600");
        foreach (var (property, value) in values)
        {
            properties.Set(property.Name, value);
        }
        return properties;
    }

    private FileIngestRequest File(string name, long bytes, string table = "t1", DateTimeOffset? received = null) =>
        new($"/data/{name}", bytes, table, received ?? _time.GetUtcNow());

    private static List<List<string>> FilesOf(IngestBatcherPlan plan) =>
        plan.Jobs.Select(j => j.Files.Select(f => f.File.Replace("/data/", "", StringComparison.Ordinal)).ToList()).ToList();

    [Fact]
    public void Files_under_the_minimum_size_wait_and_are_sent_together_once_they_reach_it()
    {
        var properties = Properties((TableProperty.BatcherJobMinSize, "1K"));
        var pending = new List<FileIngestRequest> { File("a", 600), File("b", 423) };

        var waiting = Batcher().Plan("t1", properties, pending);
        Assert.Empty(waiting.Jobs);
        Assert.Contains("1,023 of at least 1,024 bytes", waiting.Reason, StringComparison.Ordinal);

        pending.Add(File("c", 1));
        var plan = Batcher().Plan("t1", properties, pending);
        Assert.Equal([["a", "b", "c"]], FilesOf(plan));
        Assert.Equal(1024, plan.Jobs[0].TotalBytes);
    }

    [Fact]
    public void Fewer_files_than_the_minimum_count_wait_and_are_sent_together_once_there_are_enough()
    {
        var properties = Properties((TableProperty.BatcherJobMinFiles, "3"));
        var pending = new List<FileIngestRequest> { File("a", 100), File("b", 100) };

        Assert.Empty(Batcher().Plan("t1", properties, pending).Jobs);

        pending.Add(File("c", 100));
        Assert.Equal([["a", "b", "c"]], FilesOf(Batcher().Plan("t1", properties, pending)));
    }

    [Fact]
    public void Both_minimums_must_be_met_enough_files_of_too_few_bytes_wait()
    {
        var properties = Properties((TableProperty.BatcherJobMinFiles, "2"), (TableProperty.BatcherJobMinSize, "1K"));

        Assert.Empty(Batcher().Plan("t1", properties, [File("a", 10), File("b", 10), File("c", 10)]).Jobs);
        Assert.Empty(Batcher().Plan("t1", properties, [File("big", 5000)]).Jobs);
        Assert.Single(Batcher().Plan("t1", properties, [File("big", 5000), File("a", 10)]).Jobs);
    }

    [Fact]
    public void Pending_files_over_the_maximum_size_are_split_into_jobs_in_arrival_order()
    {
        var properties = Properties((TableProperty.BatcherJobMaxSize, "100"));
        var pending = new[] { File("a", 60), File("b", 30), File("c", 20), File("d", 5), File("e", 50), File("f", 40) };

        var plan = Batcher().Plan("t1", properties, pending);

        // c would take the first job to 110 bytes, so it starts the next; d, which would fit the first, does not
        // jump back ahead of c (first-fit packing would make it [a, b, d]).
        Assert.Equal([["a", "b"], ["c", "d", "e"], ["f"]], FilesOf(plan));
        Assert.All(plan.Jobs, j => Assert.True(j.TotalBytes <= 100));
        Assert.Equal(["job-1", "job-2", "job-3"], plan.Jobs.Select(j => j.JobId));
    }

    [Fact]
    public void A_job_filled_exactly_to_the_maximum_size_takes_no_more()
    {
        var plan = Batcher().Plan("t1", Properties((TableProperty.BatcherJobMaxSize, "100")), [File("a", 40), File("b", 60), File("c", 1)]);

        Assert.Equal([["a", "b"], ["c"]], FilesOf(plan));
    }

    [Fact]
    public void Pending_files_over_the_maximum_count_are_split_into_jobs_in_arrival_order()
    {
        var properties = Properties((TableProperty.BatcherJobMaxFiles, "2"));
        var pending = new[] { File("a", 1), File("b", 1), File("c", 1), File("d", 1), File("e", 1) };

        Assert.Equal([["a", "b"], ["c", "d"], ["e"]], FilesOf(Batcher().Plan("t1", properties, pending)));
    }

    [Fact]
    public void A_file_waiting_the_maximum_age_sends_the_pending_files_below_both_minimums()
    {
        var properties = Properties((TableProperty.BatcherJobMinFiles, "10"), (TableProperty.BatcherJobMinSize, "1G"), (TableProperty.BatcherFileMaxAgeSeconds, "300"));
        var pending = new List<FileIngestRequest> { File("old", 10) };
        _time.Advance(TimeSpan.FromSeconds(200));
        pending.Add(File("new", 10));

        _time.Advance(TimeSpan.FromSeconds(99));
        Assert.Empty(Batcher().Plan("t1", properties, pending).Jobs);

        _time.Advance(TimeSpan.FromSeconds(1));
        var plan = Batcher().Plan("t1", properties, pending);
        Assert.Equal([["old", "new"]], FilesOf(plan));
        Assert.Contains("maximum age of 300 s", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_maximum_age_of_zero_sends_files_at_once()
    {
        var properties = Properties((TableProperty.BatcherJobMinFiles, "10"), (TableProperty.BatcherFileMaxAgeSeconds, "0"));

        Assert.Single(Batcher().Plan("t1", properties, [File("a", 10)]).Jobs);
    }

    [Fact]
    public void A_single_file_larger_than_the_maximum_size_goes_in_a_job_of_its_own()
    {
        var properties = Properties((TableProperty.BatcherJobMaxSize, "100"));
        var pending = new[] { File("a", 30), File("huge", 500), File("b", 40), File("c", 50) };

        var plan = Batcher().Plan("t1", properties, pending);

        Assert.Equal([["a"], ["huge"], ["b", "c"]], FilesOf(plan));
    }

    [Fact]
    public void Flush_sends_files_below_the_minimums_still_split_by_the_maximums()
    {
        var properties = Properties((TableProperty.BatcherJobMinFiles, "10"), (TableProperty.BatcherJobMinSize, "1G"), (TableProperty.BatcherJobMaxFiles, "2"));
        var pending = new[] { File("a", 1), File("b", 1), File("c", 1) };

        Assert.Empty(Batcher().Plan("t1", properties, pending).Jobs);
        Assert.Equal([["a", "b"], ["c"]], FilesOf(Batcher().Plan("t1", properties, pending, flush: true)));
    }

    [Fact]
    public void Nothing_pending_makes_no_job_even_when_flushed()
    {
        Assert.Empty(Batcher().Plan("t1", Properties(), [], flush: true).Jobs);
    }

    [Fact]
    public void Tables_are_batched_apart_each_by_its_own_properties()
    {
        var t1 = Properties((TableProperty.BatcherJobMinFiles, "2"));
        var t2 = Properties((TableProperty.BatcherJobMinFiles, "3"), (TableProperty.BatcherIngestQueue, "bulk_import_emr_serverless"));
        var t3 = Properties((TableProperty.BatcherJobMinFiles, "2"));
        var pending = new[] { File("1a", 1, "t1"), File("2a", 1, "t2"), File("1b", 1, "t1"), File("2b", 1, "t2"), File("3a", 1, "t3") };
        var byId = new Dictionary<string, SleeperProperties> { ["t1"] = t1, ["t2"] = t2, ["t3"] = t3 };

        var plans = Batcher().Plan(pending, id => byId[id]);

        var job = Assert.Single(plans.SelectMany(p => p.Jobs));
        Assert.Equal("t1", job.TableId);
        Assert.Equal(["/data/1a", "/data/1b"], job.Files.Select(f => f.File));
        Assert.Equal(QueueNames.Ingest, job.Queue);

        pending = [.. pending, File("2c", 1, "t2")];
        var bulk = Assert.Single(Batcher().Plan(pending, id => byId[id]).SelectMany(p => p.Jobs), j => j.TableId == "t2");
        Assert.Equal(QueueNames.BulkImport, bulk.Queue);
        Assert.All(bulk.Files, f => Assert.Equal("t2", f.TableId));
    }

    [Fact]
    public void Planning_one_table_refuses_files_of_another()
    {
        var e = Assert.Throws<ArgumentException>(() => Batcher().Plan("t1", Properties(), [File("a", 1, "t2")]));
        Assert.Contains("/data/a", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("standard_ingest", QueueNames.Ingest)]
    [InlineData("bulk_import", QueueNames.BulkImport)]
    [InlineData("bulk_import_emr", QueueNames.BulkImport)]
    [InlineData("bulk_import_eks", QueueNames.BulkImport)]
    public void The_queue_property_chooses_the_queue(string value, string queue)
    {
        var job = Assert.Single(Batcher().Plan("t1", Properties((TableProperty.BatcherIngestQueue, value)), [File("a", 1)]).Jobs);

        Assert.Equal(queue, job.Queue);
    }

    [Fact]
    public void A_job_becomes_the_ingest_or_bulk_import_message_of_its_queue_naming_the_table_by_id()
    {
        var ingest = Assert.Single(Batcher().Plan("t1", Properties(), [File("a", 1), File("b", 2)]).Jobs);
        var bulk = Assert.Single(Batcher().Plan("t1", Properties((TableProperty.BatcherIngestQueue, "bulk_import")), [File("c", 1)]).Jobs);

        var ingestMessage = IngestJobSerDe.IngestFromJson(IngestBatcherQueue.MessageFor(ingest));
        Assert.Equal(ingest.JobId, ingestMessage.Id);
        Assert.Equal("t1", ingestMessage.TableId);
        Assert.Equal(["/data/a", "/data/b"], ingestMessage.Files);
        var bulkMessage = IngestJobSerDe.BulkImportFromJson(IngestBatcherQueue.MessageFor(bulk));
        Assert.Equal(["/data/c"], bulkMessage.Files);
        Assert.Equal(bulk.JobId, JsonDocument.Parse(IngestBatcherQueue.MessageFor(bulk)).RootElement.GetProperty("id").GetString());
    }
}
