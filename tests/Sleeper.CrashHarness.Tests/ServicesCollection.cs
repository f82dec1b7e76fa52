using Sleeper.CrashHarness;

namespace Sleeper.CrashHarness.Tests;

/// <summary>
/// The trials on services run one at a time and alone: the recovery's GC, two days ahead, sweeps the staged S3 writes
/// of this process (see <see cref="Harness.RunAsync"/>), and the fleet's workers need what CPU the machine has to
/// show that they exit on their idle timeout.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServicesCollection : ICollectionFixture<ServicesTemporaryFolder>
{
    public const string Name = "Trials on S3 and PostgreSQL";
}

/// <summary>Removes the temporary folder the trials on services gave this process, once they have all run.</summary>
public sealed class ServicesTemporaryFolder : IDisposable
{
    public void Dispose() => ServicesBackend.RestoreTemporaryFolder();
}
