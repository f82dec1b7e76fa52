using Sleeper.Core.Files;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>The result of one compaction job: its inputs in a partition are replaced by one output reference.</summary>
public sealed record ReplaceFileReferencesRequest(string JobId, string PartitionId, IReadOnlyList<string> InputFiles, FileReference NewReference);

/// <summary>Commits compaction results; only if every input is still assigned to that job in that partition.</summary>
public sealed record ReplaceFileReferencesTransaction(IReadOnlyList<ReplaceFileReferencesRequest> Jobs) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        foreach (var job in Jobs)
        {
            foreach (var input in job.InputFiles)
            {
                if (!state.TryGetReference(input, job.PartitionId, out var reference))
                {
                    throw new StateStoreValidationException($"Cannot commit job '{job.JobId}': input file '{input}' has no reference in partition '{job.PartitionId}'.");
                }
                if (reference.JobId != job.JobId)
                {
                    throw new StateStoreValidationException($"Cannot commit job '{job.JobId}': input file '{input}' is assigned to {(reference.JobId is null ? "no job" : $"job '{reference.JobId}'")}.");
                }
            }
            if (job.NewReference.PartitionId != job.PartitionId)
            {
                throw new StateStoreValidationException($"Cannot commit job '{job.JobId}': its output is in partition '{job.NewReference.PartitionId}', not '{job.PartitionId}'.");
            }
            if (state.Files.ContainsKey(job.NewReference.Filename) || job.InputFiles.Contains(job.NewReference.Filename))
            {
                throw new StateStoreValidationException($"Cannot commit job '{job.JobId}': output file '{job.NewReference.Filename}' is already in the table.");
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var job in Jobs)
        {
            foreach (var input in job.InputFiles)
            {
                var entry = state.Files[input];
                entry.References.Remove(job.PartitionId);
                entry.LastStateStoreUpdateTime = updateTime;
            }
            var output = state.GetOrAddFile(job.NewReference.Filename, updateTime);
            output.References[job.PartitionId] = job.NewReference with { JobId = null, LastUpdateTime = updateTime };
        }
    }
}
