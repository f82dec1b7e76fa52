using System.Net;
using System.Net.Http.Headers;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Security;
using Sleeper.Instance;
using Sleeper.Server;
using Xunit.Abstractions;

namespace Sleeper.Scheduler.Tests;

/// <summary>
/// The host of <c>sleeper serve</c> as ServeCommand builds it: the server with the scheduler added. Its /metrics
/// answers an admin in Prometheus's text format with the instance's series, and refuses anyone else.
/// </summary>
public sealed class ServeMetricsTest(ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_are_served_to_an_admin_in_Prometheus_format_with_rows_ingested_and_queue_depths()
    {
        using var temp = new TempFolder();
        await using var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        var users = new UserDirectory(instance.Objects, instance.Time);
        var adminKey = (await users.AddAsync("admin", ["PUBLIC"], UserRole.Admin)).ApiKey;
        var readerKey = (await users.AddAsync("reader", ["PUBLIC"], UserRole.Read)).ApiKey;
        var builder = SleeperServer.CreateBuilder(instance, new ServerOptions { Urls = ["http://127.0.0.1:0"] });
        builder.Services.AddSleeperScheduler(instance, SchedulerOptions.FromProperties(instance.Properties) with { RunTriggers = false });
        await using var app = SleeperServer.Build(builder);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(SleeperServer.Addresses(app)[0]) };
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var table = await instance.CreateTableAsync(name, SchedulerTestInstance.Schema, SleeperProperties.ForTable(),
            PartitionsBuilder.FromSplitPoints(SchedulerTestInstance.Schema, []));
        await SchedulerTestInstance.IngestAsync(table, 0, 42);

        using (var anonymous = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", readerKey);
        using (var reader = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        string text;
        using (var admin = await client.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
            Assert.StartsWith("text/plain", admin.Content.Headers.ContentType?.MediaType);
            text = await admin.Content.ReadAsStringAsync();
        }
        output.WriteLine(text);
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("sleeper_rows_ingested_total{", StringComparison.Ordinal) && l.Contains($"table=\"{name}\"", StringComparison.Ordinal) && l.Split(' ')[1] == "42");
        // The scheduler reads every queue's depth when it starts, and the gauge reports what it read.
        Assert.Contains(lines, l => l.StartsWith("sleeper_queue_depth{", StringComparison.Ordinal) && l.Contains("queue=\"compaction\"", StringComparison.Ordinal) && l.Contains("state=\"visible\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("# TYPE sleeper_rows_ingested_total counter", StringComparison.Ordinal));
        await app.StopAsync();
    }
}
