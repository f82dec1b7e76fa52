namespace Sleeper.Core.StateStore.Transactions;

/// <summary>
/// An AddFiles for a job that an earlier attempt already committed: nothing was appended. For the worker this
/// means the job is done, not that it failed; the files this attempt wrote were never referenced.
/// </summary>
public sealed class JobAlreadyCommittedException(string jobId)
    : StateStoreValidationException($"Job '{jobId}' was already committed by an earlier attempt; its files are not added again.")
{
    public string JobId { get; } = jobId;
}
