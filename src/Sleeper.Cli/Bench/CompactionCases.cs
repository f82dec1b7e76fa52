using Sleeper.Cli.Demo;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Instance;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The compaction cases: one job over ten sorted files, and one job per leaf run at once, each against the
/// peer sorting the same files into one file with a single COPY statement.
/// </summary>
public sealed class CompactionCases(string folder, long rows, int seed, int threads, Action<string> chatter)
{
    public const int ConcurrentJobs = 4;

    private const string PeerOptions = "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)";

    private CompactionInputs? _inputs;
    private int _runs;

    public async Task<CaseResult> SingleAsync(CancellationToken cancel)
    {
        var inputs = await InputsAsync(cancel);
        var (table, jobs) = await SetUpAsync("compaction", [], [inputs.WholeFiles], cancel);
        var job = jobs.Single();
        chatter("compaction: ours");
        CompactionResult? result = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            result = await new CompactionTask().RunAsync(table, job, cancel);
            return result.RowsRead;
        });
        var oursOut = LocalPaths.Of(table, result!.OutputReference.Filename);
        CheckOurs(result, inputs.Rows, oursOut);

        chatter("compaction: peer");
        var peerOut = Path.Combine(folder, $"peer-compaction-{_runs}.parquet");
        var sql = CopySql(job.InputFiles.Select(f => LocalPaths.Of(table, f)), peerOut);
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute(sql);
            return Task.FromResult(inputs.Rows);
        });
        CheckRows(peerOut, inputs.Rows, "The peer");
        return new CaseResult("compaction", "rows/s", ours, peer,
            $"compacts {job.InputFiles.Count} sorted files of {inputs.Rows / job.InputFiles.Count:N0} rows in one partition into one (CompactionTask: a read-ahead task per input, a merge thread, a writer thread encoding columns in parallel, with key sketches), then commits ReplaceFileReferences",
            $"`COPY (SELECT * FROM read_parquet([the same {job.InputFiles.Count} files]) ORDER BY key, timestamp) TO out {PeerOptions}`, {threads} threads",
            $"ours {result.RowsWritten:N0} rows, {BenchSuite.Mb(new FileInfo(oursOut).Length):F1} MB; peer {BenchSuite.Mb(new FileInfo(peerOut).Length):F1} MB");
    }

    public async Task<CaseResult> ConcurrentAsync(CancellationToken cancel)
    {
        var inputs = await InputsAsync(cancel);
        var (table, jobs) = await SetUpAsync("compaction-concurrent", StandardRows.SplitPoints(ConcurrentJobs), inputs.LeafFiles, cancel);
        var expected = inputs.LeafFiles.Select(files => files.Sum(f => f.Rows)).ToList();
        chatter($"compaction-concurrent: ours ({jobs.Count} jobs at once)");
        CompactionResult[] results = [];
        var ours = await Measurement.RunAsync(async () =>
        {
            var task = new CompactionTask();
            results = await Task.WhenAll(jobs.Select(job => task.RunAsync(table, job, cancel)));
            return results.Sum(r => r.RowsRead);
        });
        for (var i = 0; i < jobs.Count; i++)
        {
            CheckOurs(results[i], expected[i], LocalPaths.Of(table, results[i].OutputReference.Filename));
        }

        chatter($"compaction-concurrent: peer ({jobs.Count} statements one after another)");
        var peerOuts = jobs.Select((_, i) => Path.Combine(folder, $"peer-compaction-concurrent-{_runs}-{i}.parquet")).ToList();
        var statements = jobs.Select((job, i) => CopySql(job.InputFiles.Select(f => LocalPaths.Of(table, f)), peerOuts[i])).ToList();
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            foreach (var sql in statements)
            {
                duck.Execute(sql);
            }
            return Task.FromResult(inputs.Rows);
        });
        for (var i = 0; i < jobs.Count; i++)
        {
            CheckRows(peerOuts[i], expected[i], "The peer");
        }
        var slowest = results.Max(r => r.Duration.TotalSeconds);
        var fastest = results.Min(r => r.Duration.TotalSeconds);
        return new CaseResult("compaction-concurrent", "rows/s", ours, peer,
            $"runs {jobs.Count} jobs at once (Task.WhenAll), one per leaf of a table of {jobs.Count} leaves, each compacting {CompactionInputs.FilesPerJob} sorted files of about {inputs.Rows / jobs.Count / CompactionInputs.FilesPerJob:N0} rows (the one-job case's files cut at the leaf boundaries) into one; rows/s is all rows over the time until the last job committed",
            $"the same {jobs.Count} `COPY (SELECT * FROM read_parquet([one leaf's {CompactionInputs.FilesPerJob} files]) ORDER BY key, timestamp) TO out {PeerOptions}`, one after another in one database (each statement uses all {threads} threads)",
            $"ours jobs took {fastest:F2}–{slowest:F2} s each");
    }

    /// <summary>
    /// The one-job case on an instance on services: the same ten files put in its bucket (untimed), compacted from
    /// and to the S3 server, the job's references replaced in PostgreSQL. Against the embedded run's figure.
    /// </summary>
    public async Task<(CaseResult Result, S3RequestFigure Requests)> OnServicesAsync(Measurement embedded, ServicesBackend services, CancellationToken cancel)
    {
        var inputs = await InputsAsync(cancel);
        var instance = await services.CreateInstanceAsync("compaction", cancel);
        var (table, jobs) = await SetUpAsync(instance, [], [inputs.WholeFiles], cancel);
        var job = jobs.Single();
        var store = ServicesBackend.Store(instance.Objects);
        chatter("compaction: ours on services");
        var before = store.Requests.Current;
        CompactionResult? result = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            result = await new CompactionTask().RunAsync(table, job, cancel);
            return result.RowsRead;
        });
        var requests = store.Requests.Current - before;
        // Fetched (untimed) so the peer can count its rows, as it counts the embedded run's.
        var copy = Path.Combine(folder, $"services-compaction-{_runs}.parquet");
        await using (var source = await table.Objects.OpenReadAsync(result!.OutputReference.Filename, cancel))
        await using (var target = File.Create(copy))
        {
            await source.CopyToAsync(target, cancel);
        }
        CheckOurs(result, inputs.Rows, copy);
        var size = new FileInfo(copy).Length;
        File.Delete(copy);
        var figure = new S3RequestFigure($"compaction job ({job.InputFiles.Count} files into 1)", 1, requests,
            $"reads each input with ranged GETs of {BenchSuite.Mb(new Sleeper.Aws.S3ObjectStoreOptions().ReadBlockSize):F0} MiB blocks, writes the output ({BenchSuite.Mb(size):F1} MB) and its sketches");
        var compaction = new CaseResult("compaction", "rows/s", ours, embedded,
            $"the compaction case's job on a table of an instance on services: its {job.InputFiles.Count} input files read from the S3 server, the output written there, ReplaceFileReferences committed to PostgreSQL",
            "the compaction case's run on the embedded instance (the row above)",
            $"ours {result.RowsWritten:N0} rows, {BenchSuite.Mb(size):F1} MB; S3 requests: {requests}")
        {
            OursLabel = "services",
            PeerLabel = "embedded",
        };
        return (compaction, figure);
    }

    private async Task<CompactionInputs> InputsAsync(CancellationToken cancel)
    {
        if (_inputs is null)
        {
            chatter($"making the compaction inputs: {CompactionInputs.FilesPerJob} sorted files of {rows / CompactionInputs.FilesPerJob:N0} rows, and the same cut into {ConcurrentJobs} leaves (not timed)");
            _inputs = await CompactionInputs.CreateAsync(Path.Combine(folder, "compaction-inputs"), rows, seed, ConcurrentJobs, cancel);
        }
        return _inputs;
    }

    /// <summary>
    /// A fresh table with the given split points; copies of the staged files added to the leaves they belong to
    /// and assigned to one job per leaf, as job creation would. None of it is timed.
    /// </summary>
    private async Task<(SleeperTable Table, List<CompactionJob> Jobs)> SetUpAsync(string name, IReadOnlyList<object> splitPoints,
        IReadOnlyList<IReadOnlyList<CompactionInputs.StagedFile>> filesPerJob, CancellationToken cancel) =>
        await SetUpAsync(await EmbeddedInstance.CreateAsync(Path.Combine(folder, $"instance-{name}-{++_runs}"), cancellationToken: cancel), splitPoints, filesPerJob, cancel);

    private static async Task<(SleeperTable Table, List<CompactionJob> Jobs)> SetUpAsync(SleeperInstance instance, IReadOnlyList<object> splitPoints,
        IReadOnlyList<IReadOnlyList<CompactionInputs.StagedFile>> filesPerJob, CancellationToken cancel)
    {
        var table = await instance.CreateTableAsync("bench", StandardRows.Schema, SleeperProperties.ForTable(),
            PartitionsBuilder.FromSplitPoints(StandardRows.Schema, splitPoints), cancel);
        var leaves = await table.StateStore.GetLeafPartitionsAsync(cancel);
        var references = new List<FileReference>();
        var requests = new List<AssignJobIdRequest>();
        foreach (var staged in filesPerJob)
        {
            var leaf = leaves.Single(p => p.Region[0].Contains(staged[0].FirstKey));
            var names = new List<string>();
            foreach (var file in staged)
            {
                var filename = table.NewDataFileName(leaf.Id);
                await using (var write = await table.Objects.StartWriteAsync(filename, cancel))
                {
                    File.Copy(file.Path, write.StagingPath, overwrite: true);
                    await write.CommitAsync(cancel);
                }
                references.Add(new FileReference(filename, leaf.Id, file.Rows));
                names.Add(filename);
            }
            requests.Add(new AssignJobIdRequest(Guid.NewGuid().ToString(), leaf.Id, names));
        }
        await table.StateStore.CommitAsync(new AddFilesTransaction(references), cancel);
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction(requests), cancel);
        var jobs = requests.Select(r => new CompactionJob(r.JobId, table.Id, table.Name, r.PartitionId, r.Filenames,
            table.NewDataFileName(r.PartitionId), DateTimeOffset.UtcNow)).ToList();
        return (table, jobs);
    }

    private static string CopySql(IEnumerable<string> inputs, string output) =>
        $"COPY (SELECT * FROM read_parquet({DuckDbPeer.FileList(inputs)}) ORDER BY key, timestamp) TO {DuckDbPeer.Literal(output)} {PeerOptions}";

    private void CheckOurs(CompactionResult result, long expected, string outputPath)
    {
        if (result.RowsRead != expected || result.RowsWritten != expected)
        {
            throw new SleeperException($"Our compaction job '{result.JobId}' read {result.RowsRead} and wrote {result.RowsWritten} rows of {expected}.");
        }
        // Counted again from the file itself, by the peer, so that our own bookkeeping is not the only witness.
        CheckRows(outputPath, expected, "Our compaction");
    }

    /// <summary>Counts the rows of an output file outside the timing, so a short file cannot pass for a fast one.</summary>
    private void CheckRows(string path, long expected, string who)
    {
        using var duck = new DuckDbPeer(threads);
        var found = Convert.ToInt64(duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbPeer.Literal(path)})"), System.Globalization.CultureInfo.InvariantCulture);
        if (found != expected)
        {
            throw new SleeperException($"{who} wrote {found} rows of {expected} to '{path}'.");
        }
    }
}
