using Sleeper.Core.Tracking;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Instance.Tests;

/// <summary>The embedded query tracker passes the query tracker port's contract, in a folder of its own.</summary>
public sealed class FileQueryTrackerContractTest : QueryTrackerContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override IQueryTracker OpenTracker() => new FileQueryTracker(Path.Combine(_folder.Path, "queries"));

    public void Dispose() => _folder.Dispose();
}
