namespace Sleeper.CrashHarness;

/// <summary>The kinds of broken promise the harness looks for.</summary>
public enum ViolationKind
{
    /// <summary>A committed row is missing.</summary>
    Lost,

    /// <summary>A row is there more than once.</summary>
    Duplicated,

    /// <summary>A killed or failed write left some of its rows and not others.</summary>
    Partial,

    /// <summary>A row no batch wrote.</summary>
    Phantom,

    /// <summary>A file reference names a file that does not exist, or a file is referenced twice from one partition.</summary>
    DanglingReference,

    /// <summary>The state store does not load, or its partitions do not tile the key space.</summary>
    BrokenState,

    /// <summary>After recovery, a file is still assigned to a job, or a queue still holds messages or dead letters.</summary>
    Stranded,

    /// <summary>After recovery, temporary files or files no reference names are left in the table's folders.</summary>
    Leftover,

    /// <summary>A recovery command, or a command that should have succeeded, failed or hung.</summary>
    CommandFailed,

    /// <summary><c>sleeper table check</c> reported a problem.</summary>
    TableCheck,

    /// <summary>A file reference was the input of two committed compaction jobs, or one job committed twice.</summary>
    CompactedTwice,

    /// <summary>A worker did not exit by itself once its queue stayed empty for its idle timeout, or exited with a failure.</summary>
    NoScaleToZero,
}

/// <summary>One broken promise found in a trial.</summary>
public sealed record Violation(ViolationKind Kind, string Detail)
{
    public override string ToString() => $"{Kind}: {Detail}";
}
