namespace Sleeper.Operations;

/// <summary>What <see cref="JobRetry"/> did with one dead letter.</summary>
/// <param name="Queue">The queue the letter was in.</param>
/// <param name="MessageId">The dead letter's message id.</param>
/// <param name="JobId">The job the letter named, or null for a message that is no job of its queue.</param>
/// <param name="NewJobId">The id the job runs again under (a query keeps its id when a sub-query is retried: then the new sub-query's), or null when refused.</param>
/// <param name="NewMessageId">The message now on the queue, or null when refused.</param>
/// <param name="Refused">Why the letter was not sent back (it stays in the dead letters), or null when it was.</param>
public sealed record JobRetryResult(string Queue, string MessageId, string? JobId, string? TableName, string? NewJobId, string? NewMessageId, string? Refused)
{
    public bool Retried => Refused is null;
}
