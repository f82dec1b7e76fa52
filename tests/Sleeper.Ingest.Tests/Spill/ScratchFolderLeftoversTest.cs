using System.Diagnostics;
using Xunit;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Ingest.Spill;

namespace Sleeper.Ingest.Tests.Spill;

/// <summary>
/// A process killed during an ingest cannot remove its scratch folder; the next one to make a scratch folder
/// in the same place removes the folders of processes that are gone.
/// </summary>
public sealed class ScratchFolderLeftoversTest : IDisposable
{
    private readonly TempFolder _parent = new();

    public void Dispose() => _parent.Dispose();

    /// <summary>The id of a process that has exited.</summary>
    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    private string Leftover(string name)
    {
        var path = _parent.Combine(name);
        Directory.CreateDirectory(path);
        return path;
    }

    [Fact]
    public void A_scratch_folder_names_the_process_that_made_it()
    {
        using var scratch = new ScratchFolder(_parent.Path);
        Assert.StartsWith($"sleeper-ingest-{Environment.ProcessId}-", Path.GetFileName(scratch.Path));
    }

    [Fact]
    public void The_next_scratch_folder_removes_the_empty_folder_of_a_killed_process()
    {
        var leftover = Leftover($"sleeper-ingest-{ExitedProcessId()}-{Guid.NewGuid():N}");
        using var scratch = new ScratchFolder(_parent.Path);
        Assert.False(Directory.Exists(leftover));
        Assert.True(Directory.Exists(scratch.Path));
    }

    [Fact]
    public void The_next_scratch_folder_removes_a_killed_process_folder_with_runs_in_it()
    {
        var leftover = Leftover($"sleeper-ingest-{ExitedProcessId()}-{Guid.NewGuid():N}");
        File.WriteAllText(Path.Combine(leftover, "run-00001.arrows"), "a sorted run");
        using var scratch = new ScratchFolder(_parent.Path);
        Assert.False(Directory.Exists(leftover));
    }

    [Fact]
    public void The_folder_of_a_running_process_is_kept()
    {
        using var running = new ScratchFolder(_parent.Path);
        using var scratch = new ScratchFolder(_parent.Path);
        Assert.True(Directory.Exists(running.Path));
    }

    [Fact]
    public void A_folder_named_the_older_way_without_a_process_is_removed_only_once_older_than_a_day()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var old = Leftover($"sleeper-ingest-{Guid.NewGuid():N}");
        ScratchFolderLeftovers.Remove(_parent.Path, "sleeper-ingest-", time);
        Assert.True(Directory.Exists(old));
        time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        ScratchFolderLeftovers.Remove(_parent.Path, "sleeper-ingest-", time);
        Assert.False(Directory.Exists(old));
    }

    [Fact]
    public void Folders_of_other_names_are_never_touched()
    {
        var other = Leftover($"sleeper-ingester-{ExitedProcessId()}-x");
        var another = Leftover("something-else");
        var tests = Leftover($"sleeper-ingest-tests-{Guid.NewGuid():N}");
        var notAGuid = Leftover($"sleeper-ingest-{ExitedProcessId()}-mine");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromDays(30));
        ScratchFolderLeftovers.Remove(_parent.Path, "sleeper-ingest-", time);
        Assert.True(Directory.Exists(other));
        Assert.True(Directory.Exists(another));
        Assert.True(Directory.Exists(tests));
        Assert.True(Directory.Exists(notAGuid));
    }
}
