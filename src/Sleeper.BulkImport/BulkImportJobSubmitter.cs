using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport;

/// <summary>
/// Queues bulk import jobs for workers (<see cref="BulkImportWorker"/>): checks the inputs now, so a typo fails for
/// the submitter rather than in a worker later, sends the job and records it as created. Moved here from the
/// <c>bulk-import submit</c> command so that the CLI and the client library submit jobs the same way.
/// </summary>
public sealed class BulkImportJobSubmitter(IJobQueue queue, IJobTracker tracker, IInputFileStore inputFiles, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <param name="paths">Local paths (stored absolute, for a worker in another folder) or URIs (<c>s3://</c>).</param>
    public async Task<BulkImportJob> SubmitAsync(TableStatus table, IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var files = IngestInputs.ForJob(paths);
        _ = await IngestInputs.ResolveAsync(files, null, inputFiles, cancellationToken: cancellationToken);
        var job = new BulkImportJob(Guid.NewGuid().ToString(), table.TableName, table.TableId, files);
        await queue.SendAsync(IngestJobSerDe.ToJson(job), cancellationToken);
        await tracker.RecordAsync(new JobEvent(table.TableId, job.Id, JobEventKind.Created, _time.GetUtcNow(), InputFiles: files.Count, Files: files), cancellationToken);
        return job;
    }
}
