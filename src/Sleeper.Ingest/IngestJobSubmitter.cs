using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;
using Sleeper.Core.Telemetry;

namespace Sleeper.Ingest;

/// <summary>
/// Queues ingest jobs for workers (<see cref="IngestWorker"/>) to run: checks the inputs now, so a missing file or an
/// unknown format is reported to the submitter rather than found by a worker later, records the job as created and
/// sends it.
/// </summary>
public sealed class IngestJobSubmitter(IJobQueue queue, IJobTracker tracker, IInputFileStore inputFiles, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <param name="paths">Local paths (made absolute here, for a worker in another folder) or URIs (<c>s3://</c>).</param>
    public async Task<IngestJob> SubmitAsync(TableStatus table, IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var files = IngestInputs.ForJob(paths);
        _ = await IngestInputs.ResolveAsync(files, format: null, inputFiles, cancellationToken: cancellationToken);
        using var span = SleeperTelemetry.Source.StartActivity("ingest.submit", System.Diagnostics.ActivityKind.Producer);
        var job = new IngestJob(Guid.NewGuid().ToString(), table.TableName, table.TableId, files) { TraceParent = SleeperTelemetry.CurrentTraceParent() };
        span?.SetTag("sleeper.table", table.TableName);
        span?.SetTag("sleeper.job.id", job.Id);
        // Created is recorded first, so a worker that takes the job at once never has its Started come before it.
        await tracker.RecordAsync(new JobEvent(table.TableId, job.Id, JobEventKind.Created, _time.GetUtcNow(),
            InputFiles: files.Count, Files: files), cancellationToken);
        await queue.SendAsync(IngestJobSerDe.ToJson(job), cancellationToken);
        return job;
    }
}
