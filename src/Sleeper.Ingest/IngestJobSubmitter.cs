using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;

namespace Sleeper.Ingest;

/// <summary>
/// Queues ingest jobs for workers (<see cref="IngestWorker"/>) to run: checks the inputs now, so a missing file or an
/// unknown format is reported to the submitter rather than found by a worker later, records the job as created and
/// sends it.
/// </summary>
public sealed class IngestJobSubmitter(IJobQueue queue, IJobTracker tracker, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <param name="files">Inputs as a worker on another machine would name them: absolute paths (or URIs).</param>
    public async Task<IngestJob> SubmitAsync(TableStatus table, IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        _ = IngestInputs.Resolve(files, format: null);
        var job = new IngestJob(Guid.NewGuid().ToString(), table.TableName, table.TableId, files);
        // Created is recorded first, so a worker that takes the job at once never has its Started come before it.
        await tracker.RecordAsync(new JobEvent(table.TableId, job.Id, JobEventKind.Created, _time.GetUtcNow(),
            InputFiles: files.Count, Files: files), cancellationToken);
        await queue.SendAsync(IngestJobSerDe.ToJson(job), cancellationToken);
        return job;
    }
}
