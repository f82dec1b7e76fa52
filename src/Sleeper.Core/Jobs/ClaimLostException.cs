namespace Sleeper.Core.Jobs;

/// <summary>
/// A worker's claim on a queued job ran out and could not be renewed: it stalled past its visibility timeout and
/// another worker may have taken the job over. The attempt must not commit; the job is the other worker's now.
/// </summary>
public sealed class ClaimLostException(string queueName, string messageId)
    : SleeperException($"The job in message {messageId} of queue '{queueName}' ran past its visibility timeout and was taken over by another worker: "
        + "this attempt lost its claim and did not commit it.")
{
    public string MessageId { get; } = messageId;
}
