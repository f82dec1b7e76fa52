namespace Sleeper.Core.Jobs;

/// <summary>
/// A queue that can list the messages it holds, visible or in flight. The embedded queue can; SQS cannot (it
/// only reports counts), so whoever uses this must also work, more slowly, from <see cref="IJobQueue.GetDepthAsync"/>
/// and the job trackers alone.
/// </summary>
public interface IListableJobQueue : IJobQueue
{
    /// <summary>The bodies of every message not yet deleted or dead-lettered, whether visible or held by a consumer.</summary>
    Task<IReadOnlyList<string>> ListBodiesAsync(CancellationToken cancellationToken = default);
}
