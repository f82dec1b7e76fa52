using System.Text;
using Sleeper.Core.Storage;

namespace Sleeper.Scheduler;

/// <summary>
/// Whether the instance's scheduled work is paused (<c>sleeper instance pause|resume</c>): an object in the
/// instance's store, so every scheduler of the instance, in this process or another, sees it at its next tick
/// without a restart. Its presence is the flag; its body says when and by whom, for people.
/// </summary>
public sealed class SchedulerPause(IObjectStore objects, TimeProvider? time = null)
{
    public const string ObjectName = "scheduler/paused";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<bool> IsPausedAsync(CancellationToken cancellationToken = default) =>
        await objects.GetInfoAsync(ObjectName, cancellationToken) is not null;

    public Task PauseAsync(CancellationToken cancellationToken = default) =>
        objects.WriteAllBytesAsync(ObjectName, Encoding.UTF8.GetBytes($"paused at {_time.GetUtcNow():O} by {Environment.UserName}@{Environment.MachineName}\n"), cancellationToken);

    /// <summary>True if it was paused.</summary>
    public Task<bool> ResumeAsync(CancellationToken cancellationToken = default) => objects.DeleteAsync(ObjectName, cancellationToken);
}
