using Sleeper.Core.Tracking;
using Xunit;

namespace Sleeper.Instance.Tests;

/// <summary>
/// Many writers appending events to one tracker folder at once, each through its own tracker as separate
/// workers would: no event may be lost or torn. The runtime's FileMode.Append writes at the offset it found
/// on opening (strace shows pwrite64 at an offset, no O_APPEND), so, before the tracker appended with O_APPEND,
/// writers racing here could overwrite each other's lines: the job tracker contract's many-writers case lost
/// events that way in a clean-clone run on a loaded machine. The window is narrow, so this stress test catches
/// the old code only some of the time; the strace is the proof.
/// </summary>
public sealed class FileJobTrackerAppendTest : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Eight_writers_appending_at_once_lose_no_event()
    {
        const int Writers = 8;
        const int EventsEach = 400;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var go = new ManualResetEventSlim();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var tracker = new FileJobTracker(_folder.Path);
            go.Wait();
            for (var i = 0; i < EventsEach; i++)
            {
                await tracker.RecordAsync(new JobEvent("t", $"w{w}", JobEventKind.Started, start.AddSeconds(i), RowsRead: i));
            }
        })).ToList();
        go.Set();
        await Task.WhenAll(writers);

        var events = await new FileJobTracker(_folder.Path).ReadJobEventsAsync("t");
        Assert.Equal(Writers * EventsEach, events.Count);
        for (var w = 0; w < Writers; w++)
        {
            Assert.Equal(Enumerable.Range(0, EventsEach).Select(i => (long?)i), events.Where(e => e.JobId == $"w{w}").Select(e => e.RowsRead));
        }
    }
}
