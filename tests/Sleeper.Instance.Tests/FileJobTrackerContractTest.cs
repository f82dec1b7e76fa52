using Sleeper.Core.Tracking;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Instance.Tests;

/// <summary>The embedded job tracker passes the tracker port's contract, in a folder of its own.</summary>
public sealed class FileJobTrackerContractTest : JobTrackerContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override IJobTracker OpenTracker() => new FileJobTracker(Path.Combine(_folder.Path, "tracker"));

    public void Dispose() => _folder.Dispose();
}
