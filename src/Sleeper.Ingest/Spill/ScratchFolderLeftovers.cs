using System.Diagnostics;
using System.Globalization;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// Scratch folders carry the id of the process that made them (<c>&lt;prefix&gt;&lt;pid&gt;-&lt;guid&gt;</c>), so that
/// the folders of a process killed before it could remove them (SIGKILL, a crash, a power cut) can be told
/// from those in use: the next process to make one in the same place removes every folder of that name whose
/// process is gone. The ingest scratch folders and bulk import's spill folders follow this rule.
/// </summary>
public static class ScratchFolderLeftovers
{
    /// <summary>How old a folder named before folders carried their process must be before it is removed.</summary>
    public static readonly TimeSpan UnnamedMaxAge = TimeSpan.FromDays(1);

    /// <summary>A new folder name under <paramref name="parent"/> for this process.</summary>
    public static string NewPath(string parent, string prefix) =>
        Path.Combine(parent, $"{prefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");

    /// <summary>
    /// Removes the folders under <paramref name="parent"/> named <paramref name="prefix"/>… that no live process
    /// owns: their process has exited, or the process of that id started after the folder was made (the id was
    /// reused). A folder named the older way, <c>&lt;prefix&gt;&lt;guid&gt;</c>, is removed once older than <see cref="UnnamedMaxAge"/>;
    /// any other name is left alone.
    /// Returns how many it removed; failures are ignored, as a leftover harms nothing but space.
    /// </summary>
    public static int Remove(string parent, string prefix, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        var removed = 0;
        foreach (var folder in candidates)
        {
            try
            {
                var made = Made(folder);
                if (IsLeftover(Path.GetFileName(folder)[prefix.Length..], made, now))
                {
                    Directory.Delete(folder, recursive: true);
                    removed++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process removed it first, or it is not ours to remove.
            }
        }
        return removed;
    }

    private static DateTime Made(string folder)
    {
        var created = Directory.GetCreationTimeUtc(folder);
        var written = Directory.GetLastWriteTimeUtc(folder);
        return created < written ? created : written;
    }

    private static bool IsLeftover(string suffix, DateTime made, DateTime now)
    {
        if (Guid.TryParseExact(suffix, "N", out _))
        {
            // Named before folders carried their process.
            return now - made > UnnamedMaxAge;
        }
        var dash = suffix.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !int.TryParse(suffix.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !Guid.TryParseExact(suffix.AsSpan(dash + 1), "N", out _))
        {
            // Not a scratch folder at all, though its name begins the same way: not ours to remove.
            return false;
        }
        if (pid == Environment.ProcessId)
        {
            return false;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            // A process started after the folder was made cannot have made it: its id was reused.
            return process.HasExited || process.StartTime.ToUniversalTime() > made.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }
}
