using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sleeper.Cli.Bench;
using Sleeper.Cli.Commands;
using Sleeper.Cli.Output;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.LocalServices;

namespace Sleeper.Cli.Demo;

/// <summary>
/// The demo on services: an instance with its data in the S3-compatible server and its state in PostgreSQL (the
/// servers of <c>sleeper services</c>, started when the environment names none), with ingest and compaction done by
/// separate <c>sleeper worker</c> processes that exit once idle, as a fleet would.
/// </summary>
public sealed partial class DistributedDemo
{
    private const int IngestWorkers = 2;
    private const int CompactionWorkers = 3;
    private const double IdleSeconds = 3;

    private readonly CliContext _context;
    private readonly Dictionary<string, string> _environment;
    private readonly string _inputs = Path.Combine(Path.GetTempPath(), $"sleeper-demo-inputs-{Guid.NewGuid():N}");

    private DistributedDemo(CliContext context, Uri s3Endpoint, string postgresUrl, Dictionary<string, string> environment)
    {
        _context = context;
        S3Endpoint = s3Endpoint;
        PostgresUrl = postgresUrl;
        _environment = environment;
    }

    public Uri S3Endpoint { get; }

    public string PostgresUrl { get; }

    /// <summary>The worker processes run so far, with what each said when it exited.</summary>
    public List<WorkerRun> Workers { get; } = [];

    /// <summary>The servers named by the environment (as <c>sleeper services start --format env</c> prints), else those of <c>sleeper services</c>, started if need be.</summary>
    public static async Task<DistributedDemo> StartAsync(CliContext context, CancellationToken cancel)
    {
        if (Environment.GetEnvironmentVariable("SLEEPER_S3_ENDPOINT") is { Length: > 0 } endpoint
            && Environment.GetEnvironmentVariable("SLEEPER_POSTGRES") is { Length: > 0 } postgres)
        {
            context.Chatter($"Using the servers named by SLEEPER_S3_ENDPOINT ({endpoint}) and SLEEPER_POSTGRES.");
            return new DistributedDemo(context, new Uri(endpoint), postgres, []);
        }
        context.Chatter("Starting the local services (PostgreSQL and an S3-compatible server)...");
        var settings = await ServicesCommand.Manager(context).StartAsync(cancel);
        var environment = settings.Variables.ToDictionary(v => v.Key, v => v.Value);
        // This process talks to the S3 server too, and the AWS SDK takes its credentials from the environment only.
        foreach (var (name, value) in environment)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
        return new DistributedDemo(context, settings.S3Endpoint, settings.PostgresUrl, environment);
    }

    public Task<SleeperInstance> CreateInstanceAsync(string? location, CancellationToken cancel) =>
        SleeperInstance.CreateAsync(location ?? $"s3://sleeper-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}/demo",
            PostgresUrl, S3Endpoint, _context.Time, cancel);

    /// <summary>Writes the rows as Parquet files, submits one ingest job per file, and lets worker processes run them.</summary>
    public async Task<(TimeSpan Elapsed, int Jobs)> IngestAsync(SleeperInstance instance, SleeperTable table, long rows, int seed, int files,
        List<string> sampleKeys, CancellationToken cancel)
    {
        Directory.CreateDirectory(_inputs);
        var generator = new StandardRows(seed);
        var perFile = rows / files;
        var paths = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(_inputs, $"input-{f}.parquet");
            var fileRows = f == files - 1 ? rows - perFile * (files - 1) : perFile;
            await ParquetOutputFile.WriteAsync(path, Batches(generator, fileRows, sampleKeys), cancel);
            paths.Add(path);
        }
        var watch = Stopwatch.StartNew();
        var submitter = new IngestJobSubmitter(instance.Queue(QueueNames.Ingest), instance.IngestTracker, instance.InputFiles, instance.Time);
        foreach (var path in paths)
        {
            await submitter.SubmitAsync(table.Status, [path], cancel);
        }
        _context.Chatter($"Submitted {paths.Count} ingest jobs; {IngestWorkers} 'sleeper worker ingest' processes run them...");
        await RunWorkersAsync(instance, "ingest", IngestWorkers, cancel);
        return (watch.Elapsed, paths.Count);
    }

    /// <summary>Creates a compaction job per leaf and lets worker processes run them.</summary>
    public async Task<(TimeSpan Elapsed, int Jobs)> CompactAsync(SleeperInstance instance, SleeperTable table, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        var jobs = (await new CompactionJobDispatcher(instance.Queue(QueueNames.Compaction), instance.CompactionTracker, instance.Time)
            .CreateJobsAsync(table, new ForcedCompactionStrategy(), cancel)).Jobs;
        _context.Chatter($"Queued {jobs.Count} compaction jobs; {CompactionWorkers} 'sleeper worker compaction' processes run them...");
        await RunWorkersAsync(instance, "compaction", CompactionWorkers, cancel);
        return (watch.Elapsed, jobs.Count);
    }

    public void DeleteInputs()
    {
        try
        {
            Directory.Delete(_inputs, recursive: true);
        }
        catch (IOException)
        {
            // Temporary files; the system's cleaner takes them.
        }
    }

    private async Task RunWorkersAsync(SleeperInstance instance, string kind, int count, CancellationToken cancel)
    {
        var runs = Enumerable.Range(0, count).Select(_ => ChildProcess.RunSleeperWithOutputAsync(
            ["worker", kind, "--idle-timeout", IdleSeconds.ToString(CultureInfo.InvariantCulture), "--instance", instance.Location.Text], _environment, cancel)).ToList();
        foreach (var run in await Task.WhenAll(runs))
        {
            var summary = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            var jobs = JobsRun().Match(summary) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            Workers.Add(new WorkerRun(kind, run.ProcessId, jobs, run.Elapsed, run.ExitCode, summary));
            if (run.ExitCode != 0)
            {
                throw new SleeperException($"A 'sleeper worker {kind}' process failed with exit status {run.ExitCode}: {run.Error.Trim()}");
            }
        }
    }

    private static async IAsyncEnumerable<Apache.Arrow.RecordBatch> Batches(StandardRows generator, long rows, List<string> sampleKeys)
    {
        foreach (var batch in DemoCommand.Chunks(generator, rows, sampleKeys))
        {
            yield return batch;
        }
        await Task.CompletedTask;
    }

    [GeneratedRegex(@"(\d+) job\(s\) run")]
    private static partial Regex JobsRun();

    /// <summary>One worker process: its kind, id, the jobs it ran, how long it lived (its idle timeout included) and its last line.</summary>
    public sealed record WorkerRun(string Kind, int ProcessId, int JobsRun, TimeSpan Lifetime, int ExitCode, string Summary);
}
