using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sleeper.Core.Tracking;

namespace Sleeper.Instance.Tests;

/// <summary>An instance opened with a logger factory logs every job event its trackers record, with the job's fields.</summary>
public sealed class InstanceLoggingTest : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sleeper-logging-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly CapturingLogs _logs = new();

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Job_events_are_logged_with_their_fields_and_a_once_only_event_once()
    {
        await (await EmbeddedInstance.CreateAsync(_folder)).DisposeAsync();
        await using var instance = await SleeperInstance.OpenAsync(_folder, logging: _logs);
        var now = DateTimeOffset.UnixEpoch;

        await instance.CompactionTracker.RecordAsync(new TaskEvent("task-1", false, now));
        await instance.CompactionTracker.RecordAsync(new JobEvent("table-1", "job-1", JobEventKind.Finished, now, "task-1", "p1", 3, 100, 90));
        await instance.CompactionTracker.RecordAsync(new JobEvent("table-1", "job-2", JobEventKind.Failed, now, "task-1", "p2", Reason: "disk full"));
        Assert.True(await instance.CompactionTracker.RecordOnceAsync(new JobEvent("table-1", "job-2", JobEventKind.DeadLettered, now, Reason: "after 3 attempts")));
        Assert.False(await instance.CompactionTracker.RecordOnceAsync(new JobEvent("table-1", "job-2", JobEventKind.DeadLettered, now, Reason: "after 3 attempts")));

        var entries = _logs.Entries.ToList();
        Assert.Equal(4, entries.Count);
        Assert.Equal(("task-1", "compaction"), (entries[0].Fields["TaskId"], entries[0].Fields["Kind"]));
        Assert.Equal((LogLevel.Information, "job-1", "p1", "90"), (entries[1].Level, entries[1].Fields["JobId"], entries[1].Fields["PartitionId"], entries[1].Fields["RowsWritten"]));
        Assert.Equal((LogLevel.Warning, "disk full"), (entries[2].Level, entries[2].Fields["Reason"]));
        Assert.Equal((LogLevel.Error, "job-2"), (entries[3].Level, entries[3].Fields["JobId"]));
        // The tracker itself still holds every event recorded.
        Assert.Equal(3, (await instance.CompactionTracker.ReadJobEventsAsync("table-1")).Count);
    }

    [Fact]
    public async Task Without_a_logger_factory_the_trackers_do_not_log()
    {
        await using var instance = await EmbeddedInstance.CreateAsync(_folder);
        // They still publish failures to the event log.
        Assert.IsType<NotifyingJobTracker>(instance.IngestTracker);
    }

    private sealed record Entry(LogLevel Level, IReadOnlyDictionary<string, string?> Fields);

    private sealed class CapturingLogs : ILoggerFactory, ILogger
    {
        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value?.ToString())
                : new Dictionary<string, string?>();
            Entries.Enqueue(new Entry(logLevel, fields));
        }

        public void Dispose()
        {
        }
    }
}
