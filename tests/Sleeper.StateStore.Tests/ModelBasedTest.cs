using System.Text;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

/// <summary>
/// A seeded random run of valid and invalid transactions against the embedded store and against a plain model
/// of partitions and references; after every step the two agree. Fresh store instances, snapshots and deletion
/// of old transactions are mixed in, so the state is read back from disk along every path.
/// </summary>
public sealed class ModelBasedTest : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task A_random_run_of_transactions_leaves_the_store_and_the_model_in_the_same_state(int seed)
    {
        var run = new Run(seed, _dir.Path);
        await run.StartAsync();
        for (var step = 0; step < 300; step++)
        {
            await run.StepAsync(step);
        }
        Assert.True(run.Committed > 80, $"Only {run.Committed} transactions were valid.");
        Assert.True(run.Rejected > 10, $"Only {run.Rejected} transactions were invalid.");
    }

    private sealed class Run(int seed, string dir)
    {
        private static readonly TransactionLogStateStoreOptions Options = new() { SnapshotEveryTransactions = 13, LoadSnapshotWhenBehindBy = 7 };
        private readonly Random _random = new(seed);
        private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = NewClock();
        private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
        private readonly SortedDictionary<(string File, string Partition), (long Rows, string? Job, bool Approximate)> _references = new();
        private readonly HashSet<string> _files = new(StringComparer.Ordinal);
        private TransactionLogStateStore _store = null!;
        private int _ids;

        public int Committed { get; private set; }

        public int Rejected { get; private set; }

        public async Task StartAsync()
        {
            _store = Open(dir, _clock, Options);
            var root = PartitionsBuilder.SingleRoot(Schema);
            await _store.InitialiseAsync(root);
            _partitions[root[0].Id] = root[0];
        }

        public async Task StepAsync(int step)
        {
            var op = _random.Next(100);
            var (transaction, valid, apply) = op switch
            {
                < 25 => AddFiles(),
                < 37 => SplitPartition(),
                < 52 => SplitFileReference(),
                < 67 => AssignJob(),
                < 82 => ReplaceReferences(),
                < 92 => DeleteFiles(),
                _ => (null, false, null),
            };
            if (transaction is null)
            {
                await MaintainAsync();
            }
            else
            {
                try
                {
                    await _store.CommitAsync(transaction);
                    Assert.True(valid, $"Seed {seed} step {step}: {transaction} was accepted but the model rejects it.");
                    apply!();
                    Committed++;
                }
                catch (StateStoreValidationException e)
                {
                    Assert.False(valid, $"Seed {seed} step {step}: {transaction} was rejected but the model accepts it: {e.Message}");
                    Rejected++;
                }
            }
            Assert.Equal(DescribeModel(), Describe(await _store.GetStateAsync(), withTimes: false));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        private async Task MaintainAsync()
        {
            switch (_random.Next(3))
            {
                case 0:
                    _store = Open(dir, _clock, Options);
                    break;
                case 1:
                    await _store.CreateSnapshotAsync();
                    break;
                default:
                    // Another instance deletes, so the one in use may find its next transactions gone.
                    await Open(dir, _clock, Options).DeleteOldTransactionsAsync(TimeSpan.FromSeconds(_random.Next(0, 5)));
                    break;
            }
        }

        private string NewId(string prefix) => $"{prefix}{++_ids}";

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private bool Chance(double p) => _random.NextDouble() < p;

        private List<Partition> Leaves() => _partitions.Values.Where(p => p.IsLeaf).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();

        private (IStateStoreTransaction?, bool, Action?) AddFiles()
        {
            var refs = new List<FileReference>();
            var valid = true;
            for (var i = _random.Next(1, 4); i > 0; i--)
            {
                if (Chance(0.1) && _files.Count > 0)
                {
                    refs.Add(new FileReference(Pick(_files.Order().ToList()), Pick(Leaves()).Id, 5));
                    valid = false;
                }
                else if (Chance(0.05))
                {
                    refs.Add(new FileReference(NewId("f"), "nope", 5));
                    valid = false;
                }
                else
                {
                    refs.Add(new FileReference(NewId("f"), Pick(Leaves()).Id, _random.Next(1, 1000)));
                }
            }
            return (new AddFilesTransaction(refs), valid, () =>
            {
                foreach (var r in refs)
                {
                    _files.Add(r.Filename);
                    _references[(r.Filename, r.PartitionId)] = (r.NumberOfRows, null, false);
                }
            });
        }

        private (IStateStoreTransaction?, bool, Action?) SplitPartition()
        {
            var candidates = _partitions.Values.Where(CanSplit).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
            if (candidates.Count == 0)
            {
                return (null, false, null);
            }
            var p = Pick(candidates);
            var range = p.Region[0];
            var lo = Math.Max((long)range.Min, -1_000_000);
            var hi = (long?)range.Max ?? 1_000_000;
            var (parent, left, right) = PartitionsBuilder.Split(p, 0, _random.NextInt64(lo + 1, hi), NewId("p"), NewId("p"));
            return (new SplitPartitionTransaction(parent, [left, right]), p.IsLeaf, () =>
            {
                _partitions[parent.Id] = parent;
                _partitions[left.Id] = left;
                _partitions[right.Id] = right;
            });
        }

        private static bool CanSplit(Partition p)
        {
            var lo = Math.Max((long)p.Region[0].Min, -1_000_000);
            var hi = (long?)p.Region[0].Max ?? 1_000_000;
            return hi - lo >= 2;
        }

        private (IStateStoreTransaction?, bool, Action?) SplitFileReference()
        {
            var inNonLeaves = _references.Where(r => !_partitions[r.Key.Partition].IsLeaf).ToList();
            if (inNonLeaves.Count == 0)
            {
                return (null, false, null);
            }
            var (key, value) = Pick(inNonLeaves);
            var children = _partitions[key.Partition].ChildIds;
            var leftRows = value.Rows / 2;
            var newRefs = new List<FileReference>
            {
                new(key.File, children[0], leftRows, CountApproximate: true),
                new(key.File, children[1], value.Rows - leftRows, CountApproximate: true),
            };
            var valid = value.Job is null && newRefs.All(r => !_references.ContainsKey((r.Filename, r.PartitionId)));
            return (new SplitFileReferencesTransaction([new SplitFileReferenceRequest(key.File, key.Partition, newRefs)]), valid, () =>
            {
                _references.Remove(key);
                foreach (var r in newRefs)
                {
                    _references[(r.Filename, r.PartitionId)] = (r.NumberOfRows, null, true);
                }
            });
        }

        private (IStateStoreTransaction?, bool, Action?) AssignJob()
        {
            if (_references.Count == 0)
            {
                return (null, false, null);
            }
            var partition = Pick(_references.Keys.Select(k => k.Partition).Distinct().Order(StringComparer.Ordinal).ToList());
            var inPartition = _references.Where(r => r.Key.Partition == partition).ToList();
            var free = inPartition.Where(r => r.Value.Job is null).Select(r => r.Key.File).ToList();
            var taken = inPartition.Where(r => r.Value.Job is not null).Select(r => r.Key.File).ToList();
            var files = free.Where(_ => Chance(0.6)).ToList();
            var valid = true;
            if (taken.Count > 0 && (files.Count == 0 || Chance(0.2)))
            {
                files.Add(Pick(taken));
                valid = false;
            }
            if (files.Count == 0)
            {
                return (null, false, null);
            }
            var job = NewId("job");
            return (new AssignJobIdsTransaction([new AssignJobIdRequest(job, partition, files)]), valid, () =>
            {
                foreach (var f in files)
                {
                    _references[(f, partition)] = _references[(f, partition)] with { Job = job };
                }
            });
        }

        private (IStateStoreTransaction?, bool, Action?) ReplaceReferences()
        {
            var jobs = _references.Where(r => r.Value.Job is not null)
                .GroupBy(r => (r.Value.Job!, r.Key.Partition)).OrderBy(g => g.Key).ToList();
            if (jobs.Count == 0)
            {
                return (null, false, null);
            }
            var group = Pick(jobs);
            var (job, partition) = group.Key;
            var inputs = group.Select(r => r.Key.File).ToList();
            var valid = true;
            var unassigned = _references.Where(r => r.Key.Partition == partition && r.Value.Job != job).Select(r => r.Key.File).ToList();
            if (unassigned.Count > 0 && Chance(0.2))
            {
                inputs.Add(Pick(unassigned));
                valid = false;
            }
            var output = new FileReference(NewId("out"), partition, group.Sum(r => r.Value.Rows));
            return (new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest(job, partition, inputs, output)]), valid, () =>
            {
                foreach (var f in inputs)
                {
                    _references.Remove((f, partition));
                }
                _files.Add(output.Filename);
                _references[(output.Filename, partition)] = (output.NumberOfRows, null, false);
            });
        }

        private (IStateStoreTransaction?, bool, Action?) DeleteFiles()
        {
            var referenced = _references.Keys.Select(k => k.File).ToHashSet();
            var unreferenced = _files.Where(f => !referenced.Contains(f)).Order().ToList();
            var names = unreferenced.Where(_ => Chance(0.7)).ToList();
            var valid = true;
            if (referenced.Count > 0 && (names.Count == 0 || Chance(0.3)))
            {
                names.Add(Pick(referenced.Order().ToList()));
                valid = false;
            }
            if (names.Count == 0)
            {
                return (null, false, null);
            }
            return (new DeleteFilesTransaction(names), valid, () => _files.ExceptWith(names));
        }

        private string DescribeModel()
        {
            var sb = new StringBuilder();
            foreach (var p in _partitions.Values.OrderBy(p => p.Id, StringComparer.Ordinal))
            {
                sb.AppendLine($"partition {p.Id} parent={p.ParentId} children=[{string.Join(",", p.ChildIds)}] leaf={p.IsLeaf} dim={p.Dimension} {p.Region}");
            }
            foreach (var f in _files.Order(StringComparer.Ordinal))
            {
                sb.AppendLine($"file {f}");
                foreach (var ((_, partition), (rows, job, approx)) in _references.Where(r => r.Key.File == f).OrderBy(r => r.Key.Partition, StringComparer.Ordinal))
                {
                    sb.AppendLine($"  ref {partition} rows={rows} approx={approx} only=True job={job}");
                }
            }
            return sb.ToString();
        }
    }
}
