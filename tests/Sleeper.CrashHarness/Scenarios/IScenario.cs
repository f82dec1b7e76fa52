namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// One kind of trial: it sets up the table, runs its work in real processes (killing some) or through injected
/// faults, and reruns what a user would rerun. The harness then runs the common recovery and checks.
/// </summary>
public interface IScenario
{
    /// <summary>A short name, used on the command line (--scenario) and in reports.</summary>
    string Name { get; }

    /// <summary>Whether it kills processes (or else injects faults in this process).</summary>
    bool KillsProcesses { get; }

    /// <summary>
    /// Why it runs only on an embedded instance (it wraps the embedded adapters or local files to inject its
    /// faults), or null when it runs on services too.
    /// </summary>
    string? EmbeddedOnly => null;

    Task RunAsync(Trial trial);

    /// <summary>Checks of its own, after the recovery and the common checks; adds violations to the trial.</summary>
    Task CheckAfterRecoveryAsync(Trial trial) => Task.CompletedTask;
}
