using System.Runtime.CompilerServices;
using Sleeper.Core.StateStore;

namespace Sleeper.TestSupport;

/// <summary>What a <see cref="FaultInjectingTransactionLogStore"/> does to one append.</summary>
public enum AppendFault
{
    /// <summary>The append goes through and reports success.</summary>
    None,

    /// <summary>The append throws before anything is written: it did not happen.</summary>
    FailBeforeWriting,

    /// <summary>The entry is written, then the append throws: it happened, but its writer is told it failed.</summary>
    FailAfterWriting,

    /// <summary>The append reports that someone else took the number, though nobody did (a conflict to retry).</summary>
    Conflict,
}

/// <summary>
/// A transaction log that injects faults into appends (and, if asked, reads), around a real log: an append
/// that fails before writing, one that writes and then throws (a timeout or lost connection whose request
/// went through), and conflicts, from a seeded plan so a failing run can be repeated from its seed. It counts
/// what it injected, for a harness to report.
/// </summary>
public sealed class FaultInjectingTransactionLogStore(ITransactionLogStore inner, Func<TransactionLogEntry, AppendFault> plan) : ITransactionLogStore
{
    private readonly Lock _lock = new();
    private int _failedBefore;
    private int _failedAfter;
    private int _conflicts;
    private int _failedReads;
    private int _exceptionKind;
    private readonly List<TransactionLogEntry> _written = [];

    /// <summary>Each append independently: fails before writing, fails after writing, or conflicts with the given probabilities.</summary>
    public static FaultInjectingTransactionLogStore Random(ITransactionLogStore inner, int seed,
        double failBeforeWriting = 0.1, double failAfterWriting = 0.1, double conflict = 0.1)
    {
        var random = new Random(seed);
        var gate = new Lock();
        return new FaultInjectingTransactionLogStore(inner, _ =>
        {
            double roll;
            lock (gate)
            {
                roll = random.NextDouble();
            }
            return roll < failBeforeWriting ? AppendFault.FailBeforeWriting
                : roll < failBeforeWriting + failAfterWriting ? AppendFault.FailAfterWriting
                : roll < failBeforeWriting + failAfterWriting + conflict ? AppendFault.Conflict
                : AppendFault.None;
        });
    }

    /// <summary>The given faults for the first appends, in order, and none after them.</summary>
    public static FaultInjectingTransactionLogStore Script(ITransactionLogStore inner, params AppendFault[] faults)
    {
        var next = 0;
        return new FaultInjectingTransactionLogStore(inner, _ =>
        {
            var i = Interlocked.Increment(ref next) - 1;
            return i < faults.Length ? faults[i] : AppendFault.None;
        });
    }

    /// <summary>Whether a read of the log (from the given number) fails; none do unless set.</summary>
    public Func<long, bool> FailRead { get; set; } = _ => false;

    public int FailedBeforeWriting => Volatile.Read(ref _failedBefore);

    public int FailedAfterWriting => Volatile.Read(ref _failedAfter);

    public int Conflicts => Volatile.Read(ref _conflicts);

    public int FailedReads => Volatile.Read(ref _failedReads);

    public int FaultsInjected => FailedBeforeWriting + FailedAfterWriting + Conflicts + FailedReads;

    /// <summary>Every entry that reached the log through this store, in order, whatever its writer was told.</summary>
    public IReadOnlyList<TransactionLogEntry> Written
    {
        get
        {
            lock (_written)
            {
                return _written.ToList();
            }
        }
    }

    public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        AppendFault fault;
        lock (_lock)
        {
            fault = plan(entry);
        }
        switch (fault)
        {
            case AppendFault.FailBeforeWriting:
                Interlocked.Increment(ref _failedBefore);
                throw InjectedFailure(entry, "before writing");
            case AppendFault.Conflict:
                Interlocked.Increment(ref _conflicts);
                throw new DuplicateTransactionNumberException(entry.TransactionNumber);
            case AppendFault.FailAfterWriting:
                await AppendAsync(entry, cancellationToken);
                Interlocked.Increment(ref _failedAfter);
                throw InjectedFailure(entry, "after writing");
            default:
                await AppendAsync(entry, cancellationToken);
                break;
        }
    }

    private async Task AppendAsync(TransactionLogEntry entry, CancellationToken cancellationToken)
    {
        await inner.AddTransactionAsync(entry, cancellationToken);
        lock (_written)
        {
            _written.Add(entry);
        }
    }

    public async IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (FailRead(afterTransactionNumber))
        {
            Interlocked.Increment(ref _failedReads);
            throw new IOException($"Injected fault: reading the log after transaction {afterTransactionNumber} failed.");
        }
        await foreach (var entry in inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken))
        {
            yield return entry;
        }
    }

    public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);

    /// <summary>The kinds of failure a remote log gives when its answer is lost: a timeout, an I/O error, a cancelled call.</summary>
    private Exception InjectedFailure(TransactionLogEntry entry, string when)
    {
        var message = $"Injected fault: appending transaction {entry.TransactionNumber} failed {when}.";
        return (Interlocked.Increment(ref _exceptionKind) % 3) switch
        {
            0 => new TimeoutException(message),
            1 => new IOException(message),
            _ => new OperationCanceledException(message),
        };
    }
}
