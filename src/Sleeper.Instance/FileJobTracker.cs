using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sleeper.Core;
using Sleeper.Core.Tracking;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Instance;

/// <summary>
/// A job tracker in the instance folder: job and task events appended as JSON lines, each line in a single
/// write to a file opened for append, so several processes can record at once without tearing lines.
/// </summary>
/// <remarks>
/// <see cref="RecordOnceAsync"/> reads the events and appends under an exclusive lock on <c>jobs.lock</c>, taken
/// by every caller of it in any process: an advisory flock, which .NET takes on Unix for <see cref="FileShare.None"/>
/// and the kernel drops when its holder dies, so a killed process leaves no stale lock. Plain records need no lock.
/// </remarks>
public sealed class FileJobTracker : IJobTracker
{
    // A holder reads the events and appends one line; this is far beyond any such wait.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly string _jobsFile;
    private readonly string _tasksFile;
    private readonly string _lockFile;

    public FileJobTracker(string folder)
    {
        Directory.CreateDirectory(folder);
        _jobsFile = Path.Combine(folder, "jobs.jsonl");
        _tasksFile = Path.Combine(folder, "tasks.jsonl");
        _lockFile = Path.Combine(folder, "jobs.lock");
    }

    public Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) =>
        AppendAsync(_jobsFile, JsonSerializer.Serialize(jobEvent, Options), cancellationToken);

    public async Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        await using var held = await LockAsync(cancellationToken);
        // Every earlier call's line is whole by now: it was written before its lock was let go.
        var events = await ReadAsync<JobEvent>(_jobsFile, cancellationToken);
        if (events.Any(e => e.TableId == jobEvent.TableId && e.JobId == jobEvent.JobId && e.Kind == jobEvent.Kind))
        {
            return false;
        }
        await RecordAsync(jobEvent, cancellationToken);
        return true;
    }

    public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) =>
        AppendAsync(_tasksFile, JsonSerializer.Serialize(taskEvent, Options), cancellationToken);

    public async Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) =>
        (await ReadAsync<JobEvent>(_jobsFile, cancellationToken)).Where(e => tableId is null || e.TableId == tableId).ToList();

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<TaskEvent>(_tasksFile, cancellationToken);

    /// <remarks>
    /// One O_APPEND write per line (<see cref="AtomicFiles.Append"/>): the runtime's own FileMode.Append writes at
    /// the offset it found on opening, so two writers at once could overwrite each other's events.
    /// </remarks>
    private static Task AppendAsync(string file, string json, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AtomicFiles.Append(file, Encoding.UTF8.GetBytes(json + "\n"));
        return Task.CompletedTask;
    }

    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(_lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (IOException e)
            {
                throw new SleeperException($"Waited {LockTimeout.TotalSeconds:F0} s for the job tracker's lock {_lockFile}, which another process holds; try again, and check that no process is stuck holding it.", e);
            }
        }
    }

    private static async Task<IReadOnlyList<T>> ReadAsync<T>(string file, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            return [];
        }
        string text;
        await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
        {
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        var items = new List<T>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                if (JsonSerializer.Deserialize<T>(line, Options) is { } item)
                {
                    items.Add(item);
                }
            }
            catch (JsonException)
            {
                // A line still being written by another process: it will be whole next time.
            }
        }
        return items;
    }
}
