using System.Text.Json;

namespace Sleeper.CrashHarness.Checks;

/// <summary>
/// The checks after recovery, each a promise of the system: the state store loads and its partitions form a
/// tree; every reference names a file that exists, once per partition; nothing is assigned to a job or left in
/// a queue; no temporary or unreferenced file is left; every row of the model is there as its batch's outcome
/// requires; and <c>sleeper table check</c> is clean, when this build has it.
/// </summary>
public static class TableInvariants
{
    public static async Task<RowCounts> CheckAsync(Trial trial)
    {
        var violations = trial.Violations;
        var files = await trial.InProcessAsync(null, "status", Trial.TableName, "--report", "files", "--format", "json");
        var partitions = await trial.InProcessAsync(null, "status", Trial.TableName, "--report", "partitions", "--format", "json");
        if (files.Status != 0 || partitions.Status != 0)
        {
            violations.Add(new Violation(ViolationKind.BrokenState, $"the state store does not load: {files} / {partitions}"));
            return new RowCounts(trial.Model.Batches.Sum(b => b.Keys.Count), 0, 0);
        }
        CheckPartitionTree(partitions.Output, violations);
        using (var tree = JsonDocument.Parse(partitions.Output))
        using (var list = JsonDocument.Parse(files.Output))
        {
            trial.Note($"after recovery: {tree.RootElement.GetArrayLength()} partitions, {list.RootElement.GetProperty("files").GetArrayLength()} files known to the state store");
        }
        var (referenced, rowsInMissingFiles) = await CheckReferencesAsync(trial, files.Output, violations);
        await CheckQueuesAsync(trial, violations);
        if (trial.Backend == Backend.Services)
        {
            await CheckLeftoversInBucketAsync(trial, referenced, violations);
        }
        else
        {
            CheckLeftovers(trial, referenced, violations);
        }

        var query = await trial.InProcessAsync(null, "query", Trial.TableName, "--range", ",", "--format", "jsonl");
        var found = new Dictionary<string, int>();
        if (query.Status != 0)
        {
            // The rows cannot be read back to compare with the model; what is certainly lost is what the
            // references to missing files counted.
            violations.Add(new Violation(ViolationKind.BrokenState, $"a query of every row fails: {query}"));
            await CheckWithTableCheckAsync(trial, violations);
            return new RowCounts(trial.Model.Batches.Sum(b => b.Keys.Count), rowsInMissingFiles, 0);
        }
        else
        {
            foreach (var line in query.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var row = JsonDocument.Parse(line);
                var key = row.RootElement.GetProperty("key").GetString()!;
                found[key] = found.GetValueOrDefault(key) + 1;
            }
        }
        var counts = trial.Model.Check(found, violations);
        await CheckWithTableCheckAsync(trial, violations);
        return counts;
    }

    private static void CheckPartitionTree(string json, List<Violation> violations)
    {
        using var doc = JsonDocument.Parse(json);
        var byId = doc.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!, p => p.Clone());
        var roots = byId.Values.Where(p => p.GetProperty("parentId").ValueKind == JsonValueKind.Null).ToList();
        if (roots.Count != 1)
        {
            violations.Add(new Violation(ViolationKind.BrokenState, $"{roots.Count} root partitions"));
            return;
        }
        var seen = new HashSet<string>();
        var stack = new Stack<JsonElement>([roots[0]]);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            var id = p.GetProperty("id").GetString()!;
            if (!seen.Add(id))
            {
                violations.Add(new Violation(ViolationKind.BrokenState, $"partition {id} is reached twice"));
                return;
            }
            var children = p.GetProperty("childIds").EnumerateArray().Select(c => c.GetString()!).ToList();
            if (p.GetProperty("isLeaf").GetBoolean() != (children.Count == 0) || children.Count is not (0 or 2))
            {
                violations.Add(new Violation(ViolationKind.BrokenState, $"partition {id} has {children.Count} children and isLeaf={p.GetProperty("isLeaf")}"));
            }
            foreach (var child in children)
            {
                if (!byId.TryGetValue(child, out var c) || c.GetProperty("parentId").GetString() != id)
                {
                    violations.Add(new Violation(ViolationKind.BrokenState, $"partition {id} names child {child}, which is missing or has another parent"));
                    continue;
                }
                stack.Push(c);
            }
        }
        if (seen.Count != byId.Count)
        {
            violations.Add(new Violation(ViolationKind.BrokenState, $"{byId.Count - seen.Count} partitions are not reachable from the root"));
        }
    }

    /// <summary>
    /// Checks every reference; returns the names of the files the state store knows (referenced or awaiting GC),
    /// and the rows that references to missing files counted.
    /// </summary>
    private static async Task<(HashSet<string> Known, long RowsInMissingFiles)> CheckReferencesAsync(Trial trial, string json, List<Violation> violations)
    {
        using var doc = JsonDocument.Parse(json);
        await using var instance = await trial.OpenInstanceAsync();
        var known = new HashSet<string>(StringComparer.Ordinal);
        long missingRows = 0;
        var assigned = new List<string>();
        foreach (var file in doc.RootElement.GetProperty("files").EnumerateArray())
        {
            var name = file.GetProperty("filename").GetString()!;
            known.Add(name);
            var references = file.GetProperty("references").EnumerateArray().ToList();
            if (references.Count > 0 && await instance.Objects.GetInfoAsync(name) is null)
            {
                var rows = references.Sum(r => r.GetProperty("numberOfRows").GetInt64());
                missingRows += rows;
                violations.Add(new Violation(ViolationKind.DanglingReference, $"{name} is referenced from {references.Count} partition(s), for {rows} rows, but does not exist"));
            }
            var partitions = references.Select(r => r.GetProperty("partitionId").GetString()!).ToList();
            if (partitions.Distinct().Count() != partitions.Count)
            {
                violations.Add(new Violation(ViolationKind.DanglingReference, $"{name} is referenced twice from one partition"));
            }
            foreach (var reference in references)
            {
                if (reference.GetProperty("jobId").GetString() is { } job)
                {
                    assigned.Add($"{name} in partition {reference.GetProperty("partitionId").GetString()} to job {job}");
                }
            }
        }
        if (assigned.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Stranded,
                $"{assigned.Count} file reference(s) still assigned to a job after recovery, e.g. {string.Join("; ", assigned.Take(2))}"));
        }
        foreach (var name in doc.RootElement.GetProperty("readyForGc").EnumerateArray())
        {
            known.Add(name.GetString()!);
        }
        return (known, missingRows);
    }

    private static async Task CheckQueuesAsync(Trial trial, List<Violation> violations)
    {
        foreach (var queue in Recovery.QueueNames)
        {
            var contents = await Recovery.QueueContentsAsync(trial, queue);
            if (contents.Messages > 0)
            {
                violations.Add(new Violation(ViolationKind.Stranded, $"the {queue} queue still holds {contents.Messages} message(s) after recovery: " +
                    string.Join(", ", contents.MessageNames)));
            }
            if (contents.DeadLetters > 0 && trial.DeadLettersExpected is { } why)
            {
                trial.Note($"the {queue} queue has {contents.DeadLetters} dead letter(s), as expected: {why}");
            }
            else if (contents.DeadLetters > 0)
            {
                violations.Add(new Violation(ViolationKind.Stranded, $"the {queue} queue has {contents.DeadLetters} dead letter(s): {string.Join(", ", contents.DeadLetterNames)}"));
            }
        }
    }

    /// <summary>
    /// On services: every data file and sketch in the table's part of the bucket is one the state store knows; no
    /// staged write is left in the temporary folder of the trial's processes (after the recovery's sweep) or of the
    /// harness; nothing is left in the scratch folder. Abandoned multipart uploads are not looked for: the S3
    /// server used here (s3rver) cannot list them.
    /// </summary>
    private static async Task CheckLeftoversInBucketAsync(Trial trial, HashSet<string> known, List<Violation> violations)
    {
        await using var instance = await trial.OpenInstanceAsync();
        var tableId = (await instance.GetTableStatusAsync(Trial.TableName)).TableId;
        var orphans = new List<string>();
        var other = new List<string>();
        await foreach (var stored in instance.Objects.ListAsync($"{tableId}/data/"))
        {
            var name = stored.Name;
            if (name.EndsWith(".parquet", StringComparison.Ordinal))
            {
                if (!known.Contains(name))
                {
                    orphans.Add(name);
                }
            }
            else if (name.EndsWith(".sketches", StringComparison.Ordinal))
            {
                if (!known.Contains(name[..^".sketches".Length] + ".parquet"))
                {
                    orphans.Add(name);
                }
            }
            else
            {
                other.Add(name);
            }
        }
        var temporary = new List<string>();
        var stagingFolders = new[]
        {
            Path.Combine(trial.ChildTemporaryFolder!, Recovery.S3StagingFolderName),
            Path.Combine(Path.GetTempPath(), Recovery.S3StagingFolderName),
            Path.Combine(trial.Folder, "scratch"),
        };
        foreach (var folder in stagingFolders)
        {
            if (Directory.Exists(folder))
            {
                temporary.AddRange(Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Path.GetDirectoryName(folder)!, p)));
            }
        }
        if (orphans.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Leftover,
                $"{orphans.Count} object(s) in the table's data in the bucket that no reference names, after GC two days on: {string.Join(", ", orphans.Take(3))}"));
        }
        if (other.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Leftover,
                $"{other.Count} object(s) in the table's data that are neither data files nor sketches: {string.Join(", ", other.Take(3))}"));
        }
        if (temporary.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Leftover,
                $"{temporary.Count} staged write(s) or scratch folder(s) left: {string.Join(", ", temporary.Take(3))}"));
        }
    }

    private static void CheckLeftovers(Trial trial, HashSet<string> known, List<Violation> violations)
    {
        var tableId = TableId(trial.Instance);
        var data = Path.Combine(trial.Instance, tableId, "data");
        var orphans = new List<string>();
        var temporary = new List<string>();
        if (Directory.Exists(data))
        {
            foreach (var path in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
            {
                var name = Path.GetRelativePath(trial.Instance, path).Replace(Path.DirectorySeparatorChar, '/');
                if (name.EndsWith(".parquet", StringComparison.Ordinal))
                {
                    if (!known.Contains(name))
                    {
                        orphans.Add(name);
                    }
                }
                else if (name.EndsWith(".sketches", StringComparison.Ordinal))
                {
                    if (!known.Contains(name[..^".sketches".Length] + ".parquet"))
                    {
                        orphans.Add(name);
                    }
                }
                else
                {
                    temporary.Add(name);
                }
            }
        }
        // Temporary files of unfinished atomic writes anywhere else in the instance: queues, log, trackers.
        temporary.AddRange(Directory.EnumerateFiles(trial.Instance, "*", SearchOption.AllDirectories)
            .Where(f => Recovery.IsTemporary(Path.GetFileName(f)) && !f.StartsWith(data + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(trial.Instance, f)));
        foreach (var folder in new[] { Path.Combine(trial.Instance, ".staging"), Path.Combine(trial.Folder, "scratch") })
        {
            if (Directory.Exists(folder))
            {
                temporary.AddRange(Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
                    .Select(p => Path.GetRelativePath(trial.Folder, p)));
            }
        }
        if (orphans.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Leftover,
                $"{orphans.Count} file(s) in the data folder that no reference names, after GC two days on: {string.Join(", ", orphans.Take(3))}"));
        }
        if (temporary.Count > 0)
        {
            violations.Add(new Violation(ViolationKind.Leftover,
                $"{temporary.Count} temporary file(s) or folder(s) left: {string.Join(", ", temporary.Take(3))}"));
        }
    }

    private static async Task CheckWithTableCheckAsync(Trial trial, List<Violation> violations)
    {
        var check = await trial.InProcessAsync(null, "table", "check", Trial.TableName, "--format", "json");
        if (check.Status == 2)
        {
            // This build's command line has no table check yet: run the checker it will run, in this process, by
            // the recovery's clock (so orphans past their delay count as problems, as GC should have removed them).
            await CheckWithTableCheckerAsync(trial, violations);
            return;
        }
        if (check.Status != 0)
        {
            violations.Add(new Violation(ViolationKind.TableCheck, $"sleeper table check {Trial.TableName} exits {check.Status}: {Shorten(check.Output + check.Error)}"));
        }
    }

    private static async Task CheckWithTableCheckerAsync(Trial trial, List<Violation> violations)
    {
        var clock = new ShiftedClock(Trial.RecoveryShift);
        await using var instance = Sleeper.Instance.EmbeddedInstance.Open(trial.Instance, clock);
        var table = await instance.OpenTableAsync(Trial.TableName);
        var report = await Sleeper.Maintenance.TableChecks.Checker(instance.Objects, clock).CheckAsync(table);
        trial.Note($"[in-process] table checker: {report.ProblemCount} problem(s)");
        foreach (var group in report.Checks.SelectMany(c => c.Problems).GroupBy(p => p.Kind))
        {
            // Orphans and abandoned writes are leftovers, stranded assignments are stranded work: the same
            // findings as the harness's own checks, under the same kinds.
            var kind = group.Key.Contains("orphan", StringComparison.Ordinal) || group.Key.Contains("abandoned", StringComparison.Ordinal) ? ViolationKind.Leftover
                : group.Key.Contains("strand", StringComparison.Ordinal) ? ViolationKind.Stranded
                : ViolationKind.TableCheck;
            var first = group.First();
            violations.Add(new Violation(kind, $"table check: {group.Count()} × {group.Key}, e.g. {first.Subject}: {first.Detail}"));
        }
    }

    public static string TableId(string instance)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(instance, "tables", Trial.TableName + ".json")));
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    private static string Shorten(string text) => text.Length <= 600 ? text.Trim() : text[..600].Trim() + "…";
}
