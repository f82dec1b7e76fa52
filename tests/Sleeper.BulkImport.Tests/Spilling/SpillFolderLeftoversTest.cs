using System.Diagnostics;
using Sleeper.BulkImport.Spilling;
using Xunit;

namespace Sleeper.BulkImport.Tests.Spilling;

/// <summary>A bulk import killed while it spilled leaves its folder; the next one removes it.</summary>
public sealed class SpillFolderLeftoversTest : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("sleeper-spill-test-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public void A_spill_folder_names_the_process_that_made_it()
    {
        using var spill = new SpillFolder(_parent);
        Assert.StartsWith($"sleeper-bulk-import-{Environment.ProcessId}-", Path.GetFileName(spill.Path));
    }

    [Fact]
    public void The_next_spill_folder_removes_the_folder_of_a_killed_process()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        exited.WaitForExit();
        var leftover = Path.Combine(_parent, $"sleeper-bulk-import-{exited.Id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "leaf-0-run-1.arrows"), "a run");
        using var spill = new SpillFolder(_parent);
        Assert.False(Directory.Exists(leftover));
    }
}
