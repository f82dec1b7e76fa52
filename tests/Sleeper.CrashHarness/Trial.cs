namespace Sleeper.CrashHarness;

/// <summary>The counts one trial adds to a run's report.</summary>
public sealed record TrialFigures(int Processes, int Kills, int Faults, RowCounts Rows);

/// <summary>How a trial ended: its figures, what it broke, and what happened, for the report of a failure.</summary>
public sealed record TrialResult(string Scenario, int Seed, TrialFigures Figures, IReadOnlyList<Violation> Violations, IReadOnlyList<string> Log, TimeSpan Elapsed)
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

    /// <summary>More table properties, as K=V.</summary>
    public IReadOnlyList<string> MoreProperties { get; init; } = [];
}

/// <summary>
/// One seeded trial: a fresh instance and table in a temporary folder, the model of the rows written, real
/// processes started and perhaps killed, then the recovery and the checks. Everything random in it comes from
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

    public Trial(string scenario, int seed)
    {
        Scenario = scenario;
        Seed = seed;
        Random = new Random(seed);
        _folder = Directory.CreateTempSubdirectory($"sleeper-crash-{scenario}-{seed}-").FullName;
        Instance = Path.Combine(_folder, "instance");
    }

    public string Scenario { get; }
    public int Seed { get; }
    public Random Random { get; }
    public string Instance { get; }
    public RowModel Model { get; } = new();
    public List<Violation> Violations { get; } = [];
    public int Processes { get; private set; }
    public int Kills { get; private set; }
    public int Faults { get; set; }

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
        await MustAsync(null, "instance", "create");
        await MustAsync(null, "instance", "properties",
            "--set", $"sleeper.statestore.snapshot.every.transactions={setup.SnapshotEveryTransactions}",
            "--set", "sleeper.statestore.transactionlog.delete.behind.snapshot.min.age.minutes=0",
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

    /// <summary>A new batch of rows written to a JSON lines file; returns the batch and the file.</summary>
    public (Batch Batch, string Path) NewBatchFile(int rows, string how)
    {
        var batch = Model.NewBatch(Random, rows, how);
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
        var outcome = await SleeperProcess.RunAsync(Instance, plan.Args, plan.KillAfter);
        lock (_log)
        {
            Processes++;
            if (outcome.Killed)
            {
                Kills++;
            }
            _log.Add($"{outcome}{(plan.KillAfter is { } k ? $" (kill planned at {k.TotalSeconds:F2} s)" : "")}");
        }
        if (!outcome.Killed)
        {
            KillTiming.Record(plan.Kind, outcome.Elapsed);
        }
        return outcome;
    }

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

    public ValueTask DisposeAsync()
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
        return ValueTask.CompletedTask;
    }

    /// <summary>The folder, kept for a failed trial so it can be looked at.</summary>
    public string Folder => _folder;
}
