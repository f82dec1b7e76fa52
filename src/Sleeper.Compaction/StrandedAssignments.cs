using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Compaction;

/// <summary>
/// A compaction job whose input files are assigned to it but that nothing will run: no queue holds its message and
/// nothing has been heard of it for the stranded timeout, or its message was dead-lettered.
/// </summary>
/// <param name="LastSeen">The newest sign of life: a tracker event of the job, or the assignment itself.</param>
public sealed record StrandedJob(string JobId, string PartitionId, IReadOnlyList<string> InputFiles, bool DeadLettered, DateTimeOffset LastSeen);

/// <summary>
/// Finds and repairs stranded compaction jobs in a table, so that a crash at any point between assigning files and
/// running the job leaves nothing stuck for longer than <c>sleeper.table.compaction.job.stranded.timeout.minutes</c>
/// plus the time to the next sweep (every round of job creation sweeps, and so does <c>table check --repair</c>).
/// </summary>
/// <remarks>
/// <para>
/// "No queue holds it" is known exactly for a queue that can list its messages (the embedded one): the queue is
/// listed <em>before</em> the state store is read, and a job's message is deleted only after its commit, which
/// frees its files; so a job assigned in the later state but missing from the earlier listing had lost its message
/// already. A queue that cannot list (SQS) gives no such proof, and the timeout alone decides: a job is stranded
/// when no tracker event (created, started, finished, failed) and no change to its assignment is newer than the
/// timeout. A job merely waiting in a long queue may then be sent twice; that is safe, because a commit is valid
/// only while the inputs are still assigned to the job, and each attempt that finds the job's output name taken
/// writes a name of its own (see <see cref="CompactionTask"/>), so the second copy finds the job done and is dropped.
/// </para>
/// <para>
/// A stranded job is sent again, rebuilt from the state store (its id, partition and the inputs still assigned to
/// it), unless it was dead-lettered: then its files are released (<see cref="ReleaseAsync"/>, which the sweep of the
/// compaction dead letters uses too, see <see cref="CompactionDeadLetters"/>) for a later job, and that sweep records
/// the job's end on the tracker. No queue tells anyone of a dead letter (on SQS the server moves it), so releasing
/// them here, from the dead letters and the state store alone, also catches a job whose files were taken up again
/// after the sweep had recorded it.
/// </para>
/// </remarks>
public sealed class StrandedAssignments(IJobQueue queue, IJobTracker tracker, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<IReadOnlyList<StrandedJob>> FindAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        // The queue first: see the remarks on the type.
        HashSet<string>? held = null;
        if (queue is IListableJobQueue listable)
        {
            held = JobIds(await listable.ListBodiesAsync(cancellationToken));
        }
        var deadLettered = JobIds((await queue.GetDeadLettersAsync(cancellationToken)).Select(m => m.Body));
        var lastEvents = (await tracker.ReadJobEventsAsync(table.Id, cancellationToken))
            .GroupBy(e => e.JobId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(e => e.Time), StringComparer.Ordinal);
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var timeout = TimeSpan.FromMinutes(table.Properties.GetInt(TableProperty.CompactionJobStrandedTimeoutMinutes));
        var now = _time.GetUtcNow();
        var stranded = new List<StrandedJob>();
        foreach (var group in state.AllReferences().Where(r => r.JobId is not null).GroupBy(r => (JobId: r.JobId!, r.PartitionId)))
        {
            var jobId = group.Key.JobId;
            if (held is not null && held.Contains(jobId))
            {
                continue;
            }
            var lastSeen = group.Max(r => r.LastUpdateTime ?? DateTimeOffset.MinValue);
            if (lastEvents.TryGetValue(jobId, out var lastEvent) && lastEvent > lastSeen)
            {
                lastSeen = lastEvent;
            }
            var dead = deadLettered.Contains(jobId);
            if (dead || now - lastSeen >= timeout)
            {
                stranded.Add(new StrandedJob(jobId, group.Key.PartitionId,
                    group.Select(r => r.Filename).Order(StringComparer.Ordinal).ToList(), dead, lastSeen));
            }
        }
        return stranded;
    }

    /// <summary>Sends each stranded job again, or releases its files if it was dead-lettered; returns how many of each.</summary>
    public async Task<(int Resent, int Released)> RepairAsync(SleeperTable table, IReadOnlyList<StrandedJob> jobs, CancellationToken cancellationToken = default)
    {
        int resent = 0, released = 0;
        foreach (var job in jobs)
        {
            if (job.DeadLettered)
            {
                if (await ReleaseAsync(table, job.JobId, job.PartitionId, job.InputFiles, cancellationToken) > 0)
                {
                    released++;
                }
                continue;
            }
            // Looked at again for each job: a worker may have taken or finished it since it was found.
            var state = await table.StateStore.GetStateAsync(cancellationToken);
            var stillHeld = job.InputFiles.Where(f => state.TryGetReference(f, job.PartitionId, out var r) && r.JobId == job.JobId).ToList();
            if (stillHeld.Count == 0)
            {
                continue;
            }
            var now = _time.GetUtcNow();
            var again = new CompactionJob(job.JobId, table.Id, table.Name, job.PartitionId, stillHeld, table.NewDataFileName(job.PartitionId), now);
            await tracker.RecordAsync(new JobEvent(table.Id, job.JobId, JobEventKind.Created, now, PartitionId: job.PartitionId, InputFiles: stillHeld.Count,
                Reason: $"sent again: its files were assigned but no queue held it and nothing was heard of it since {job.LastSeen:u}"), cancellationToken);
            await queue.SendAsync(CompactionJobSerDe.ToJson(again), cancellationToken);
            resent++;
        }
        if (jobs.Any(j => j.DeadLettered))
        {
            // Their end goes on the tracker as every dead letter's does, once, whoever released the files. (A sweep of
            // one table opens no other.)
            await CompactionDeadLetters.Sweep(queue, tracker, (_, _) => Task.FromResult(table), _time).RunAsync(table.Id, cancellationToken);
        }
        return (resent, released);
    }

    /// <summary>
    /// Releases (ReleaseJobIds) whichever of <paramref name="inputFiles"/> are still assigned to a job that will never
    /// run, so a later job can compact them; returns how many this call released. Safe to repeat, and to run in
    /// several processes at once: files that another released, or that are no longer the job's, are left alone.
    /// </summary>
    public static async Task<int> ReleaseAsync(SleeperTable table, string jobId, string partitionId, IEnumerable<string> inputFiles, CancellationToken cancellationToken = default)
    {
        var files = inputFiles.ToList();
        for (var attempt = 1; ; attempt++)
        {
            var state = await table.StateStore.GetStateAsync(cancellationToken);
            var stillHeld = files.Where(f => state.TryGetReference(f, partitionId, out var r) && r.JobId == jobId).ToList();
            if (stillHeld.Count == 0)
            {
                return 0;
            }
            try
            {
                await table.StateStore.CommitAsync(new ReleaseJobIdsTransaction([new AssignJobIdRequest(jobId, partitionId, stillHeld)]), cancellationToken);
                return stillHeld.Count;
            }
            catch (StateStoreValidationException) when (attempt < 3)
            {
                // Released meanwhile by another sweep, or some of them: look again.
            }
        }
    }

    private static HashSet<string> JobIds(IEnumerable<string> bodies)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var body in bodies)
        {
            try
            {
                ids.Add(CompactionJobSerDe.FromJson(body).JobId);
            }
            catch (Exception e) when (e is SleeperException or System.Text.Json.JsonException)
            {
                // Not a compaction job: it holds no files.
            }
        }
        return ids;
    }
}
