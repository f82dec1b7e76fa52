using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Sleeper.Client;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Schema;
using Sleeper.Ingest;
using Sleeper.Server.Tests;
using Xunit.Abstractions;

namespace Sleeper.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's headless Chromium driven by Playwright) against a real server: a user
/// signs in with an API key, sees the tables and partition tree the API reports, runs queries through the form and
/// gets exactly the rows the API gives that key (rows its authorisations hide never show), and the page is saved
/// as a screenshot.
/// </summary>
public sealed partial class DashboardBrowserTest(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)], [],
        [new Field("value", LongType.Instance), new Field("colour", StringType.Instance), new Field("vis", StringType.Instance, Nullable: true)]);

    private readonly TempFolder _inputs = new();
    private ServerFixture _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
        _inputs.Dispose();
    }

    [Fact]
    public async Task A_reader_signs_in_and_sees_the_tables_partitions_and_jobs_the_API_reports()
    {
        await CreateTableWithRowsAsync();
        var (page, errors) = await OpenPageAsync();

        // Signing in: a wrong key is refused on the page, the reader's key opens the dashboard.
        await page.FillAsync("#api-key", "not-a-key");
        await page.ClickAsync("#login-button");
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("not valid");
        await SignInAsync(page, "reader");
        Assert.Equal(_server.Keys["reader"], await page.EvaluateAsync<string>("() => sessionStorage.getItem('sleeper.apiKey')"));
        await Assertions.Expect(page.Locator("#user")).ToHaveTextAsync("reader · read · PUBLIC");

        // The tables shown are those the API lists.
        using var reader = _server.Client("reader");
        var apiTables = (await reader.GetFromJsonAsync<JsonArray>("/api/tables"))!.Select(t => t!["name"]!.GetValue<string>()).Order().ToList();
        var shownTables = (await page.Locator("#tables tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.tableName)")).Order().ToList();
        Assert.Equal(["docs", "empty"], apiTables);
        Assert.Equal(apiTables, shownTables);

        // The tree drawn is the partitions report of the API, each partition with its rows, and matches the state store.
        var report = (await reader.GetFromJsonAsync<JsonArray>("/api/tables/docs/status?report=partitions"))!;
        var reported = report.ToDictionary(p => p!["id"]!.GetValue<string>(), p => p!);
        var nodes = await page.Locator("#tree svg g.node").EvaluateAllAsync<string[][]>("gs => gs.map(g => [g.dataset.partitionId, g.dataset.rows, g.dataset.leaf])");
        Assert.Equal(7, nodes.Length);
        Assert.Equal(reported.Keys.Order(), nodes.Select(n => n[0]).Order());
        foreach (var node in nodes)
        {
            Assert.Equal(reported[node[0]]["rowCount"]!.GetValue<long>(), long.Parse(node[1]));
            Assert.Equal(reported[node[0]]["isLeaf"]!.GetValue<bool>(), bool.Parse(node[2]));
        }
        var state = await (await _server.Instance.OpenTableAsync("docs")).StateStore.GetStateAsync();
        Assert.Equal(state.Partitions.Keys.Order(), reported.Keys.Order());
        Assert.Equal(26, nodes.Where(n => bool.Parse(n[2])).Sum(n => long.Parse(n[1])));
        var fileCounts = await page.Locator("#partition-files tbody tr").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.dataset.partitionId, r.querySelector(\"[data-col='files']\").textContent])");
        Assert.Equal(4, fileCounts.Length);
        foreach (var row in fileCounts)
        {
            Assert.Equal(reported[row[0]]["fileReferenceCount"]!.GetValue<int>().ToString(), row[1]);
        }

        // The table's figures match the dashboard's JSON, and the compaction run before sign-in shows in the chart.
        var dashboard = (await reader.GetFromJsonAsync<JsonObject>("/api/dashboard"))!;
        var docs = dashboard["tables"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "docs")!;
        var metrics = (await reader.GetFromJsonAsync<JsonObject>("/api/tables/docs/status?report=metrics"))!;
        Assert.Equal(metrics.ToJsonString(), docs["metrics"]!.ToJsonString());
        Assert.Equal(26, metrics["rowCount"]!.GetValue<long>());
        Assert.Equal("26", await page.Locator("#tables tr[data-table-name='docs'] td[data-col='rows']").TextContentAsync());
        Assert.Equal(metrics["fileCount"]!.GetValue<int>().ToString(), await page.Locator("#tables tr[data-table-name='docs'] td[data-col='files']").TextContentAsync());
        Assert.Equal(metrics["leafPartitionCount"]!.GetValue<int>().ToString(), await page.Locator("#tables tr[data-table-name='docs'] td[data-col='leaves']").TextContentAsync());
        Assert.Equal(4, dashboard["throughput"]!["compaction"]!.AsArray().Sum(b => b!["jobs"]!.GetValue<int>()));
        Assert.Equal(26, dashboard["throughput"]!["compaction"]!.AsArray().Sum(b => b!["rows"]!.GetValue<long>()));
        await Assertions.Expect(page.Locator("#chart-compaction")).ToHaveAttributeAsync("data-jobs", "4");
        await Assertions.Expect(page.Locator("#chart-compaction")).ToHaveAttributeAsync("data-rows", "26");
        Assert.Equal(1, dashboard["throughput"]!["ingest"]!.AsArray().Sum(b => b!["jobs"]!.GetValue<int>()));
        Assert.Equal(13, dashboard["throughput"]!["ingest"]!.AsArray().Sum(b => b!["rows"]!.GetValue<long>()));
        await Assertions.Expect(page.Locator("#chart-ingest")).ToHaveAttributeAsync("data-rows", "13");
        await Assertions.Expect(page.Locator("#queues tr[data-queue='compaction'] td").Nth(1)).ToHaveTextAsync("0");

        // An event in the instance's log shows among the recent failures at the next refresh.
        await PublishFailureAsync(docs["id"]!.GetValue<string>());
        await Assertions.Expect(page.Locator("#events li[data-event-kind='compaction-job-failed']")).ToContainTextAsync("docs", new() { Timeout = 20_000 });

        // Choosing another table draws its partitions: one root, no files.
        await page.ClickAsync("#tables tbody tr[data-table-name='empty']");
        await Assertions.Expect(page.Locator("#tree-table")).ToHaveTextAsync("empty");
        await Assertions.Expect(page.Locator("#tree svg g.node")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#tree svg g.node")).ToHaveAttributeAsync("data-rows", "0");
        await page.ClickAsync("#tables tbody tr[data-table-name='docs']");
        await Assertions.Expect(page.Locator("#tree svg g.node")).ToHaveCountAsync(7);

        // It refreshes by itself: a table created now appears without a reload.
        await new SleeperClient(_server.Instance).CreateTableAsync("later", Schema);
        await Assertions.Expect(page.Locator("#tables tbody tr[data-table-name='later']")).ToHaveCountAsync(1, new() { Timeout = 20_000 });

        await SaveScreenshotAsync(page, "dashboard-overview.png");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_dashboard_data_needs_a_valid_key()
    {
        using var anonymous = _server.Client(null);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/dashboard")).StatusCode);
        using var reader = _server.Client("reader");
        using var refused = await reader.GetAsync("/api/dashboard?minutes=7");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("minutes=7", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
        var page = await anonymous.GetStringAsync("/");
        Assert.Contains("/assets/dashboard.js", page);
        Assert.Contains("Sign in", page);
    }

    private async Task<(IPage Page, List<string> Errors)> OpenPageAsync()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error" && !m.Text.Contains("401")) errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(_server.Address.ToString());
        return (page, errors);
    }

    private async Task SignInAsync(IPage page, string user)
    {
        await page.FillAsync("#api-key", _server.Keys[user]);
        await page.ClickAsync("#login-button");
        await page.Locator("#tables tbody tr[data-table-name='docs']").WaitForAsync();
    }

    /// <summary>An event as a failed compaction attempt publishes it, straight into the instance's log.</summary>
    private Task PublishFailureAsync(string tableId) =>
        _server.Instance.Events.PublishAsync(EventLog.Create(_server.Instance.Time, "compaction-job-failed", EventSeverity.Warning,
            "Compaction job 7c1e of table docs failed on attempt 1: the input file was not found; it will be retried.", tableId, "7c1e"));

    private static string ScreenshotFolder() => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    private static bool IsRed(string key) => key[0] % 3 == 0;

    /// <summary>
    /// Table "docs" split three times (seven partitions, four leaves) holding keys a to z, every third labelled RED,
    /// which the reader does not hold: half written directly, half through an ingest job; then compacted, so the
    /// trackers have jobs for the charts.
    /// Table "empty" has nothing.
    /// </summary>
    private async Task CreateTableWithRowsAsync()
    {
        var client = new SleeperClient(_server.Instance);
        await client.CreateTableAsync("docs", Schema, splitPoints: ["g", "n", "t"], properties: new Dictionary<string, string> { ["sleeper.table.visibility.field"] = "vis" });
        await client.CreateTableAsync("empty", Schema);
        var keys = Enumerable.Range('a', 26).Select(c => ((char)c).ToString()).ToList();
        Row RowOf(string k) => new([k, (long)(k[0] - 'a') * 100, IsRed(k) ? "red" : "plain", IsRed(k) ? "RED" : null]);
        await client.WriteAsync("docs", keys.Where((_, i) => i % 2 == 0).Select(RowOf));
        // The other half through an ingest job and a worker, so the ingest tracker has a job for its chart.
        var input = _inputs.Combine("odd.jsonl");
        await File.WriteAllLinesAsync(input, keys.Where((_, i) => i % 2 == 1).Select(k => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["key"] = k, ["value"] = (long)(k[0] - 'a') * 100, ["colour"] = IsRed(k) ? "red" : "plain", ["vis"] = IsRed(k) ? "RED" : null,
        })));
        await client.SubmitIngestJobAsync("docs", [input]);
        var instance = _server.Instance;
        var ingest = await new IngestWorker(instance.Queue(QueueNames.Ingest), instance.IngestTracker,
            (job, ct) => instance.OpenTableByIdAsync(job.TableId!, ct), instance.Time) { InputFiles = instance.InputFiles }.RunAsync(TimeSpan.Zero);
        Assert.Equal(1, ingest.JobsRun);
        Assert.Equal(0, ingest.JobsFailed);

        var table = await instance.OpenTableAsync("docs");
        var queue = instance.Queue(QueueNames.Compaction);
        await new CompactionJobDispatcher(queue, instance.CompactionTracker, instance.Time).CreateJobsAsync(table, new ForcedCompactionStrategy());
        var worker = new CompactionWorker(queue, instance.CompactionTracker, (id, ct) => instance.OpenTableByIdAsync(id, ct), new CompactionTask(instance.Time), instance.Time);
        var result = await worker.RunAsync(TimeSpan.Zero);
        Assert.Equal(4, result.JobsRun);
        Assert.Equal(0, result.JobsFailed);
    }

    /// <summary>
    /// The whole page (1280 wide) in the test's output folder, screenshots/; the docs' picture also to the path in
    /// SLEEPER_DASHBOARD_SCREENSHOT, when set (docs/dashboard.png when it is renewed).
    /// </summary>
    private async Task SaveScreenshotAsync(IPage page, string name, bool forDocs = false)
    {
        var path = Path.Combine(ScreenshotFolder(), name);
        // From the top, or the sticky header is drawn where the page was scrolled to.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"The screenshot {path} is nearly empty.");
        output.WriteLine($"Screenshot: {path}");
        if (forDocs && Environment.GetEnvironmentVariable("SLEEPER_DASHBOARD_SCREENSHOT") is { Length: > 0 } copy)
        {
            File.Copy(path, copy, overwrite: true);
        }
    }
}
