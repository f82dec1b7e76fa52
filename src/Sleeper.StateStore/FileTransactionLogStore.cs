using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.StateStore;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.StateStore;

/// <summary>
/// A table's transaction log as one file per transaction in a local folder, named by its zero-padded number.
/// Several processes on one machine may append to the same folder: each transaction file appears whole, and
/// only the first writer of a number succeeds.
/// </summary>
public sealed class FileTransactionLogStore : ITransactionLogStore
{
    private const string Extension = ".json";
    private const int NumberDigits = 19;

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public FileTransactionLogStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        AtomicFiles.CreateDirectoryDurably(Directory);
    }

    public string Directory { get; }

    public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        if (entry.TransactionNumber < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), $"Transaction numbers start at 1; got {entry.TransactionNumber}.");
        }
        var json = new JsonObject
        {
            ["transactionNumber"] = entry.TransactionNumber,
            ["updateTime"] = entry.UpdateTime.ToString("O", CultureInfo.InvariantCulture),
            ["type"] = entry.TransactionType,
            // Embedded as JSON rather than as a string, so the log reads well by eye.
            ["body"] = JsonNode.Parse(entry.Body),
        };
        if (entry.TransactionId is not null)
        {
            json["transactionId"] = entry.TransactionId;
        }
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString(Compact));
        if (!await AtomicFiles.TryCreateAsync(PathOf(entry.TransactionNumber), bytes, cancellationToken))
        {
            throw new DuplicateTransactionNumberException(entry.TransactionNumber);
        }
    }

    /// <remarks>
    /// Probes the numbers after <paramref name="afterTransactionNumber"/> one by one, so a reader that is up to
    /// date costs one failed open, whatever the size of the folder. Only when the next number is missing and
    /// the one before it is gone too (deleted behind a snapshot) does it list the folder to find where the log
    /// now starts.
    /// </remarks>
    public async IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = afterTransactionNumber + 1;
        var readAny = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entry = await TryReadAsync(next, cancellationToken);
            if (entry is not null)
            {
                yield return entry;
                readAny = true;
                next++;
                continue;
            }
            // Deletion goes oldest first, so while the previous transaction exists the missing one was never written.
            if (readAny || File.Exists(PathOf(next - 1)))
            {
                yield break;
            }
            var first = ListNumbers().Where(n => n >= next).DefaultIfEmpty(-1).Min();
            if (first < 0)
            {
                yield break;
            }
            next = first;
        }
    }

    /// <remarks>
    /// Two file checks. Deletion goes oldest first, so while transaction <paramref name="transactionNumber"/>
    /// exists, a missing next one was never written.
    /// </remarks>
    public ValueTask<bool?> HasTransactionsAfterAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        if (File.Exists(PathOf(transactionNumber + 1)))
        {
            return ValueTask.FromResult<bool?>(true);
        }
        return ValueTask.FromResult<bool?>(transactionNumber > 0 && File.Exists(PathOf(transactionNumber)) ? false : null);
    }

    public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        // Oldest first, so what remains is always one unbroken run of numbers (see ReadTransactionsAfterAsync).
        foreach (var number in ListNumbers().Where(n => n <= transactionNumber).Order())
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(PathOf(number));
        }
        return Task.CompletedTask;
    }

    private string PathOf(long number) =>
        Path.Combine(Directory, number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0') + Extension);

    private IEnumerable<long> ListNumbers()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.Length == NumberDigits && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                yield return n;
            }
        }
    }

    private Task<TransactionLogEntry?> TryReadAsync(long number, CancellationToken cancellationToken)
    {
        var path = PathOf(number);
        return JsonFiles.TryReadAsync(path, "Transaction file", "transaction", o =>
        {
            var stored = o.Required("transactionNumber").GetValue<long>();
            if (stored != number)
            {
                throw new SleeperException($"Transaction file '{path}' holds transaction {stored}, not {number}.");
            }
            return new TransactionLogEntry(
                number,
                DateTimeOffset.Parse(o.Required("updateTime").GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                o.Required("type").GetValue<string>(),
                o.Required("body").ToJsonString(Compact),
                // Absent from entries written before transactions had ids.
                o["transactionId"]?.GetValue<string>());
        }, cancellationToken);
    }
}
