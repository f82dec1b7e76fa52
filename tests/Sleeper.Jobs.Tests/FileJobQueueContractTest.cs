using Sleeper.Core.Jobs;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Jobs.Tests;

/// <summary>The embedded queue passes the queue port's contract: queues in one instance folder, a new object per open.</summary>
public sealed class FileJobQueueContractTest : JobQueueContract, IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override IJobQueue OpenQueue(string name, int maxReceiveCount, TimeProvider time) =>
        FileJobQueue.InInstance(_dir.Path, name, maxReceiveCount, time);
}
