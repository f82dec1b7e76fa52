using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;

namespace Sleeper.Scheduler.Tests;

/// <summary>
/// A new embedded instance in a temporary folder whose clock is a <see cref="FakeTimeProvider"/>: the scheduler's
/// timers, the queues' visibility, the workers' polling and idle timeouts all move only when the test moves it.
/// </summary>
internal sealed class SchedulerTestInstance : IAsyncDisposable
{
    public static readonly TableSchema Schema = new([new Field("key", LongType.Instance)], [], [new Field("value", StringType.Instance)]);

    private readonly TempFolder _temp;
    private readonly List<IHost> _hosts = [];

    private SchedulerTestInstance(TempFolder temp, FakeTimeProvider time, SleeperInstance instance)
    {
        _temp = temp;
        Time = time;
        Instance = instance;
    }

    public FakeTimeProvider Time { get; }
    public SleeperInstance Instance { get; }
    public string Folder => _temp.Combine("instance");

    public static async Task<SchedulerTestInstance> CreateAsync()
    {
        var temp = new TempFolder();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"), time: time);
        return new SchedulerTestInstance(temp, time, instance);
    }

    /// <summary>A table compacting every two files into one (Basic strategy), so a few small files make jobs.</summary>
    public Task<SleeperTable> CreateTableAsync(string name, Action<SleeperProperties>? configure = null)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.CompactionStrategyClass.Name, "BasicCompactionStrategy");
        properties.Set(TableProperty.CompactionFilesBatchSize.Name, "2");
        configure?.Invoke(properties);
        return Instance.CreateTableAsync(name, Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, []));
    }

    /// <summary>Ingests keys [from, from + count) as one file.</summary>
    public static async Task IngestAsync(SleeperTable table, long from, int count)
    {
        var builder = new RecordBatchBuilder(table.Schema);
        for (var key = from; key < from + count; key++)
        {
            builder.Append(new Row([key, $"value-{key}"]));
        }
        await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);
    }

    /// <summary>A started generic host running the scheduler over this instance on the fake clock.</summary>
    public async Task<IHost> StartSchedulerAsync(SchedulerOptions options, SleeperInstance? instance = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSleeperScheduler(instance ?? Instance, options with { Time = Time });
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
        return host;
    }

    /// <summary>
    /// Waits, in real time, until the condition holds, moving the fake clock by <paramref name="step"/> between looks
    /// (none for null). Fails after a generous real minute, naming what it waited for.
    /// </summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? step = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            if (step is { } s)
            {
                Time.Advance(s);
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
        await Instance.DisposeAsync();
        _temp.Dispose();
    }
}
