using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Ingest.Batcher;

/// <summary>Where a table's batched jobs go, by <c>sleeper.table.ingest.batcher.ingest.queue</c>, and the message each job becomes.</summary>
public static class IngestBatcherQueue
{
    /// <summary>The queue named by the table's property: the ingest queue, or the bulk import queue for any of Sleeper's bulk import names.</summary>
    public static string QueueNameFor(SleeperProperties tableProperties)
    {
        var value = tableProperties.Get(TableProperty.BatcherIngestQueue);
        return value switch
        {
            "standard_ingest" => QueueNames.Ingest,
            // Sleeper has one name per bulk import platform; here there is one bulk import, so all of them mean it.
            not null when value.StartsWith("bulk_import", StringComparison.Ordinal) => QueueNames.BulkImport,
            _ => throw new SleeperException($"Property {TableProperty.BatcherIngestQueue.Name} is '{value}'; use standard_ingest or bulk_import."),
        };
    }

    /// <summary>
    /// The queue message for a job: Sleeper's ingest or bulk import job JSON. Like Sleeper's batcher it names the
    /// table by id only, so a rename between batching and running does not send the files elsewhere.
    /// </summary>
    public static string MessageFor(IngestBatcherJob job)
    {
        var files = job.Files.Select(f => f.File).ToList();
        return job.Queue switch
        {
            QueueNames.Ingest => IngestJobSerDe.ToJson(new IngestJob(job.JobId, null, job.TableId, files)),
            QueueNames.BulkImport => IngestJobSerDe.ToJson(new BulkImportJob(job.JobId, null, job.TableId, files)),
            _ => throw new SleeperException($"Ingest batcher job {job.JobId} is for queue '{job.Queue}', which takes no ingest jobs."),
        };
    }
}
