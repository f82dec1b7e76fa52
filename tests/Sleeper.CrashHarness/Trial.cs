using Sleeper.TestSupport;

namespace Sleeper.CrashHarness;

/// <summary>The counts one trial adds to a run's report.</summary>
public sealed record TrialFigures(int Processes, int Kills, int Faults, RowCounts Rows);

/// <summary>How a trial ended: its figures, what it broke, and what happened, for the report of a failure.</summary>
public sealed record TrialResult(string Scenario, int Seed, TrialFigures Figures, IReadOnlyList<Violation> Violations, IReadOnlyList<string> Log, TimeSpan Elapsed,
    Backend Backend = Backend.Embedded, IReadOnlyDictionary<string, int>? Counts = null)
{
    public bool Passed => Violations.Count == 0;
}

/// <summary>A process to run, and when to kill it (never, when null).</summary>
public sealed record KillPlan(string[] Args, string Kind, TimeSpan? KillAfter);

/// <summary>Table settings a scenario asks for.</summary>
public sealed record TableSetup
{
    /// <summary>Split points of the new table; four leaves by default.</summary>
    public IReadOnlyList<string> SplitPoints { get; init; } = ["g", "n", "t"];

    public long SplittingThreshold { get; init; } = 1_000_000_000;

    public int BulkImportMinLeafPartitions { get; init; } = 4;

    /// <summary>A snapshot every this many transactions, and transactions behind it deleted at once.</summary>
    public int SnapshotEveryTransactions { get; init; } = 5;

    /// <summary>
    /// How old a snapshot must be before the log behind it is deleted: zero by default, so deletion races with the
    /// commits; large where a check reads the whole log.
    /// </summary>
    public int DeleteBehindSnapshotMinAgeMinutes { get; init; }

    /// <summary>More table properties, as K=V.</summary>
    public IReadOnlyList<string> MoreProperties { get; init; } = [];
}

/// <summary>
/// One seeded trial: a fresh instance and table (in a temporary folder, or in a bucket of its own with its state
/// in a PostgreSQL schema of its own, by <see cref="Backend"/>), the model of the rows written, real processes
/// started and perhaps killed, then the recovery and the checks. Everything random in it comes from
/// <see cref="Random"/>, seeded from the trial's seed.
/// </summary>
public sealed class Trial : IAsyncDisposable
{
    public const string TableName = "t";

    /// <summary>How far the recovery's clock runs ahead: past every lease (2 min), GC delay and orphan delay.</summary>
    public static readonly TimeSpan RecoveryShift = TimeSpan.FromDays(2);

    private readonly List<string> _log = [];
    private readonly string _folder;
    private int _files;

    public Trial(string scenario, int seed, Backend backend = Backend.Embedded)
    {
        Scenario = scenario;
        Seed = seed;
        Backend = backend;
        Random = new Random(seed);
        if (backend == Backend.Services)
        {
            ServicesBackend.EnsureConfigured();
            ServicesBackend.IsolateTemporaryFolder();
        }
        _folder = Directory.CreateTempSubdirectory($"sleeper-crash-{scenario}-{seed}-").FullName;
        if (backend == Backend.Services)
        {
            Bucket = ServicesBackend.NewBucketName();
            Instance = $"s3://{Bucket}/instance";
            // The processes of a trial stage their S3 writes under a temporary folder of the trial's own, as the
            // processes of one machine would, so the recovery can sweep what killed ones left (see Recovery) and
            // the checks can find what it did not.
            ChildTemporaryFolder = Directory.CreateDirectory(Path.Combine(_folder, "tmp")).FullName;
            ChildEnvironment = new Dictionary<string, string> { ["TMPDIR"] = ChildTemporaryFolder };
        }
        else
        {
            Instance = Path.Combine(_folder, "instance");
        }
    }

    public string Scenario { get; }
    public int Seed { get; }
    public Backend Backend { get; }
    public Random Random { get; }

    /// <summary>The instance's location: a folder (embedded) or <c>s3://BUCKET/instance</c> (services).</summary>
    public string Instance { get; }

    /// <summary>The trial's own bucket on the S3 server, deleted with the trial; null when embedded.</summary>
    public string? Bucket { get; }

    /// <summary>The instance's id once it is created (its PostgreSQL schema is <c>sleeper_&lt;id&gt;</c>).</summary>
    public string? InstanceId { get; private set; }

    /// <summary>The temporary folder of the processes the trial starts, on services; null when embedded.</summary>
    public string? ChildTemporaryFolder { get; }

    /// <summary>Environment variables of the processes the trial starts, besides those the harness has.</summary>
    public IReadOnlyDictionary<string, string>? ChildEnvironment { get; }
    public RowModel Model { get; } = new();
    public List<Violation> Violations { get; } = [];
    public int Processes { get; private set; }
    public int Kills { get; private set; }
    public int Faults { get; set; }

    /// <summary>Counts of a scenario's own (jobs held by killed workers, workers that scaled to zero, …), summed in the report.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    public void Count(string what, int by = 1) => Counts.AddOrUpdate(what, by, (_, n) => n + by);

    /// <summary>
    /// Why dead letters are expected in this trial, or null when any is a violation. Faults injected on every
    /// attempt of a job may fail it as often as the queue allows; the job must then be dead-lettered with its
    /// files released, and nothing lost.
    /// </summary>
    public string? DeadLettersExpected { get; set; }
    public IReadOnlyList<string> Log => _log;

    public void Note(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }

    /// <summary>Creates the instance and the table, in this process.</summary>
    public async Task SetUpAsync(TableSetup setup)
    {
        if (Backend == Backend.Services)
        {
            await MustAsync(null, "instance", "create", "--state-store", LocalServers.PostgresUrl, "--s3-endpoint", LocalServers.S3Endpoint.ToString());
        }
        else
        {
            await MustAsync(null, "instance", "create");
        }
        var shown = await MustAsync(null, "instance", "properties", "--format", "json");
        if (shown.Status == 0)
        {
            InstanceId = System.Text.Json.Nodes.JsonNode.Parse(shown.Output)?["sleeper.id"]?.GetValue<string>();
        }
        await MustAsync(null, "instance", "properties",
            "--set", $"sleeper.statestore.snapshot.every.transactions={setup.SnapshotEveryTransactions}",
            "--set", $"sleeper.statestore.transactionlog.delete.behind.snapshot.min.age.minutes={setup.DeleteBehindSnapshotMinAgeMinutes}",
            "--set", $"sleeper.ingest.scratch.folder={Path.Combine(_folder, "scratch")}");
        var schema = Path.Combine(_folder, "schema.json");
        await File.WriteAllTextAsync(schema,
            """{"rowKeyFields":[{"name":"key","type":"StringType"}],"valueFields":[{"name":"batch","type":"IntType"}]}""");
        var splits = Path.Combine(_folder, "splits.txt");
        await File.WriteAllLinesAsync(splits, setup.SplitPoints);
        await MustAsync(null, ["table", "create", TableName, "--schema", schema, "--split-points", splits,
            "--property", "sleeper.table.gc.delay.minutes=0",
            "--property", $"sleeper.table.partition.splitting.threshold={setup.SplittingThreshold}",
            "--property", $"sleeper.table.bulk.import.min.leaf.partitions={setup.BulkImportMinLeafPartitions}",
            .. setup.MoreProperties.SelectMany(p => new[] { "--property", p })]);
    }

    /// <summary>A number from the trial's random source, safe to draw from several tasks at once.</summary>
    public int Next(int maxValue)
    {
        lock (Random)
        {
            return Random.Next(maxValue);
        }
    }

    /// <summary>A new batch of rows written to a JSON lines file; returns the batch and the file.</summary>
    public (Batch Batch, string Path) NewBatchFile(int rows, string how)
    {
        Batch batch;
        lock (Random)
        {
            // Scenarios that submit while others plan kills draw from the one source at once.
            batch = Model.NewBatch(Random, rows, how);
        }
        var path = System.IO.Path.Combine(_folder, $"input-{Interlocked.Increment(ref _files)}.jsonl");
        File.WriteAllText(path, RowModel.ToJsonLines(batch));
        return (batch, path);
    }

    /// <summary>Ingests a batch in this process, for set-up; it must succeed.</summary>
    public async Task<Batch> IngestInProcessAsync(int rows)
    {
        var (batch, path) = NewBatchFile(rows, "ingest (set-up)");
        await MustAsync(null, "ingest", TableName, path);
        batch.Outcome = BatchOutcome.Committed;
        return batch;
    }

    /// <summary>
    /// Decides, from the seed, whether a process will be killed and when. Scenarios that start processes at once
    /// plan them all first, in a fixed order, so the plans depend only on the seed.
    /// </summary>
    public KillPlan Plan(double killProbability, params string[] args)
    {
        var kind = string.Join(' ', args.TakeWhile(a => !a.StartsWith('-') && a != TableName).Take(2));
        lock (Random)
        {
            return new KillPlan(args, kind, Random.NextDouble() < killProbability ? KillTiming.DelayFor(kind, Random) : null);
        }
    }

    /// <summary>Runs a real process by its plan: killed with SIGKILL at the planned moment if it is still running.</summary>
    public async Task<ProcessOutcome> RunAsync(KillPlan plan)
    {
        var outcome = await SleeperProcess.RunAsync(Instance, plan.Args, plan.KillAfter, ChildEnvironment);
        Record(outcome, plan.KillAfter is { } k ? $" (kill planned at {k.TotalSeconds:F2} s)" : "");
        if (!outcome.Killed)
        {
            KillTiming.Record(plan.Kind, outcome.Elapsed);
        }
        return outcome;
    }

    /// <summary>
    /// Starts a real process and returns at once, for scenarios that decide when to kill by what they see; record
    /// its outcome with <see cref="Record"/> when it ends.
    /// </summary>
    public RunningSleeper Start(TimeSpan hangTimeout, params string[] args) =>
        SleeperProcess.Start(Instance, args, ChildEnvironment, hangTimeout);

    /// <summary>Counts a process that ended and notes how.</summary>
    public void Record(ProcessOutcome outcome, string note = "")
    {
        lock (_log)
        {
            Processes++;
            if (outcome.Killed)
            {
                Kills++;
            }
            _log.Add($"{outcome}{note}");
        }
    }

    /// <summary>Opens the instance in this process, through the composition root, as the commands do.</summary>
    public Task<Sleeper.Instance.SleeperInstance> OpenInstanceAsync(TimeProvider? time = null) => Sleeper.Instance.SleeperInstance.OpenAsync(Instance, time);

    /// <summary>A process that should succeed when not killed: a failure is itself a violation.</summary>
    public async Task<ProcessOutcome> RunExpectingSuccessAsync(KillPlan plan)
    {
        var outcome = await RunAsync(plan);
        if (!outcome.Killed && outcome.ExitCode != 0)
        {
            AddViolation(new Violation(ViolationKind.CommandFailed, outcome.ToString()));
        }
        return outcome;
    }

    /// <summary>Plans and runs a process that should succeed when not killed.</summary>
    public Task<ProcessOutcome> RunExpectingSuccessAsync(double killProbability, params string[] args) =>
        RunExpectingSuccessAsync(Plan(killProbability, args));

    public void AddViolation(Violation violation)
    {
        lock (Violations)
        {
            Violations.Add(violation);
        }
    }

    /// <summary>Runs a command in this process, with the given clock (null: the system clock), and notes it.</summary>
    public async Task<CliResult> InProcessAsync(TimeProvider? time, params string[] args)
    {
        var result = await InProcessCli.RunAsync(Instance, time, args);
        Note($"[in-process{(time is null ? "" : ", clock +" + RecoveryShift.TotalDays + " d")}] {result}");
        return result;
    }

    /// <summary>
    /// A client's command, run in this process by the system clock, counted but not noted one by one (a scenario may
    /// run hundreds); it must succeed, and a failure is noted and is a violation. Returns whether it succeeded.
    /// </summary>
    public async Task<bool> Client(params string[] args)
    {
        var result = await InProcessCli.RunAsync(Instance, null, args);
        Count("client commands");
        if (result.Status != 0)
        {
            Note($"[in-process client] {result}");
            AddViolation(new Violation(ViolationKind.CommandFailed, result.ToString()));
        }
        return result.Status == 0;
    }

    /// <summary>A command in this process that must succeed; a failure is a violation.</summary>
    public async Task<CliResult> MustAsync(TimeProvider? time, params string[] args)
    {
        var result = await InProcessAsync(time, args);
        if (result.Status != 0)
        {
            AddViolation(new Violation(ViolationKind.CommandFailed, result.ToString()));
        }
        return result;
    }

    public TrialFigures Figures(RowCounts rows) => new(Processes, Kills, Faults, rows);

    /// <summary>Removes the trial's folder and, on services, its bucket and its PostgreSQL schema.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        if (Backend != Backend.Services)
        {
            return;
        }
        try
        {
            await ServicesBackend.DeleteBucketAsync(Bucket!);
            if (InstanceId is not null)
            {
                await ServicesBackend.DropSchemaAsync(InstanceId);
            }
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or Sleeper.Core.SleeperException or Npgsql.NpgsqlException or HttpRequestException)
        {
            // The trial's result is known; what it left on the servers is only named, for an operator to remove.
            await Console.Error.WriteLineAsync($"Could not remove bucket {Bucket} or schema sleeper_{InstanceId} of trial {Scenario} seed {Seed}: {e.Message}");
        }
    }

    /// <summary>The folder, kept for a failed trial so it can be looked at.</summary>
    public string Folder => _folder;
}
