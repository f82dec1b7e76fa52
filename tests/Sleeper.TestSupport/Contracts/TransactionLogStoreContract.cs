using Sleeper.Core.StateStore;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="ITransactionLogStore"/> backend must do, run against each by a small subclass in the
/// backend's own test project: appends are put-if-absent per number (of racing appenders exactly one wins each
/// number), reads return the numbers after a point in order, and deletion drops a prefix.
/// </summary>
public abstract class TransactionLogStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);

    /// <summary>
    /// The log of one table. Two calls with the same table id reach the same stored log (through a new object
    /// where the backend allows, as another process would); different table ids reach independent logs.
    /// </summary>
    protected abstract ITransactionLogStore OpenLog(string tableId);

    /// <summary>An entry as the state store writes one: its time to the millisecond, compact JSON body, a unique id.</summary>
    protected static TransactionLogEntry Entry(long n, string? body = null) =>
        new(n, T0.AddMilliseconds(n * 17), "AddFiles", body ?? $"{{\"n\":{n}}}", $"id-{n}");

    protected static async Task<List<TransactionLogEntry>> ReadAllAsync(ITransactionLogStore log, long after)
    {
        var result = new List<TransactionLogEntry>();
        await foreach (var e in log.ReadTransactionsAfterAsync(after))
        {
            result.Add(e);
        }
        return result;
    }

    private static List<long> Numbers(IEnumerable<TransactionLogEntry> entries) => entries.Select(e => e.TransactionNumber).ToList();

    private static List<long> Range(long first, long last) => Enumerable.Range((int)first, (int)(last - first + 1)).Select(n => (long)n).ToList();

    [Fact]
    public async Task An_empty_log_reads_as_nothing()
    {
        Assert.Empty(await ReadAllAsync(OpenLog("t"), 0));
    }

    [Fact]
    public async Task Appended_transactions_read_back_after_a_number_in_order_with_time_type_body_and_id()
    {
        var log = OpenLog("t");
        for (var n = 1; n <= 5; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        Assert.Equal([Entry(3), Entry(4), Entry(5)], await ReadAllAsync(OpenLog("t"), 2));
        Assert.Equal([Entry(1), Entry(2), Entry(3), Entry(4), Entry(5)], await ReadAllAsync(OpenLog("t"), 0));
        Assert.Empty(await ReadAllAsync(OpenLog("t"), 5));
    }

    [Fact]
    public async Task An_entry_without_a_transaction_id_reads_back_without_one()
    {
        await OpenLog("t").AddTransactionAsync(Entry(1) with { TransactionId = null });

        var read = Assert.Single(await ReadAllAsync(OpenLog("t"), 0));

        Assert.Null(read.TransactionId);
        Assert.Equal(Entry(1) with { TransactionId = null }, read);
    }

    [Fact]
    public async Task Appending_a_number_that_exists_fails_as_a_duplicate_and_keeps_the_first()
    {
        var log = OpenLog("t");
        await log.AddTransactionAsync(Entry(1));

        var e = await Assert.ThrowsAsync<DuplicateTransactionNumberException>(
            () => OpenLog("t").AddTransactionAsync(Entry(1, "{\"other\":true}") with { TransactionId = "other" }));

        Assert.Equal(1, e.TransactionNumber);
        Assert.Equal([Entry(1)], await ReadAllAsync(log, 0));
    }

    [Fact]
    public async Task Transaction_numbers_below_one_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => OpenLog("t").AddTransactionAsync(Entry(0)));
        Assert.Empty(await ReadAllAsync(OpenLog("t"), -1));
    }

    [Fact]
    public async Task Logs_of_different_tables_are_independent()
    {
        await OpenLog("a").AddTransactionAsync(Entry(1, "{\"table\":\"a\"}"));
        await OpenLog("b").AddTransactionAsync(Entry(1, "{\"table\":\"b\"}"));
        await OpenLog("b").AddTransactionAsync(Entry(2));
        await OpenLog("a").DeleteTransactionsAtOrBeforeAsync(1);

        Assert.Empty(await ReadAllAsync(OpenLog("a"), 0));
        Assert.Equal([Entry(1, "{\"table\":\"b\"}"), Entry(2)], await ReadAllAsync(OpenLog("b"), 0));
    }

    [Fact]
    public async Task A_large_body_reads_back_unchanged()
    {
        var body = "{\"files\":[" + string.Join(',', Enumerable.Range(0, 20_000).Select(i => $"\"file-{i:D8}.parquet\"")) + "]}";
        await OpenLog("t").AddTransactionAsync(Entry(1, body));

        Assert.Equal(body, Assert.Single(await ReadAllAsync(OpenLog("t"), 0)).Body);
    }

    [Fact]
    public async Task A_log_longer_than_any_read_batch_reads_back_whole_and_in_order()
    {
        const int count = 1_234;
        var log = OpenLog("t");
        for (var n = 1; n <= count; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        Assert.Equal(Range(1, count), Numbers(await ReadAllAsync(OpenLog("t"), 0)));
        Assert.Equal(Range(1001, count), Numbers(await ReadAllAsync(OpenLog("t"), 1000)));
    }

    [Fact]
    public async Task A_reader_that_stops_early_leaves_the_log_usable()
    {
        var log = OpenLog("t");
        for (var n = 1; n <= 5; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        for (var i = 0; i < 50; i++)
        {
            await foreach (var e in log.ReadTransactionsAfterAsync(0))
            {
                Assert.Equal(1, e.TransactionNumber);
                break;
            }
        }

        await log.AddTransactionAsync(Entry(6));
        Assert.Equal(Range(1, 6), Numbers(await ReadAllAsync(log, 0)));
    }

    [Fact]
    public async Task The_cheap_check_for_new_transactions_never_says_no_when_there_are_some()
    {
        var log = OpenLog("t");
        // Nothing yet, or a reader at 0: the store may not know cheaply, but must never say "nothing new" wrongly.
        Assert.NotEqual(false, await log.HasTransactionsAfterAsync(0));
        for (var n = 1; n <= 6; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }
        Assert.NotEqual(false, await OpenLog("t").HasTransactionsAfterAsync(3));
        Assert.NotEqual(true, await OpenLog("t").HasTransactionsAfterAsync(6));
        // Transactions after a reader's number deleted behind a snapshot: the reader has missed them.
        await log.AddTransactionAsync(Entry(7));
        await log.DeleteTransactionsAtOrBeforeAsync(7);
        Assert.NotEqual(false, await OpenLog("t").HasTransactionsAfterAsync(6));
        Assert.NotEqual(false, await OpenLog("other").HasTransactionsAfterAsync(0));
    }

    [Fact]
    public async Task A_reader_behind_deleted_transactions_gets_those_that_remain_from_the_first()
    {
        var log = OpenLog("t");
        for (var n = 1; n <= 10; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        await log.DeleteTransactionsAtOrBeforeAsync(6);

        Assert.Equal(Range(7, 10), Numbers(await ReadAllAsync(OpenLog("t"), 0)));
        Assert.Equal(Range(7, 10), Numbers(await ReadAllAsync(OpenLog("t"), 3)));
        Assert.Equal(Range(9, 10), Numbers(await ReadAllAsync(OpenLog("t"), 8)));
        Assert.Empty(await ReadAllAsync(OpenLog("t"), 10));
        await log.AddTransactionAsync(Entry(11));
        Assert.Equal(Range(7, 11), Numbers(await ReadAllAsync(OpenLog("t"), 0)));
    }

    [Fact]
    public async Task A_reader_behind_a_log_deleted_entirely_gets_nothing_and_deleting_again_is_harmless()
    {
        var log = OpenLog("t");
        for (var n = 1; n <= 3; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        await log.DeleteTransactionsAtOrBeforeAsync(3);
        await OpenLog("t").DeleteTransactionsAtOrBeforeAsync(3);
        await OpenLog("t").DeleteTransactionsAtOrBeforeAsync(100);

        Assert.Empty(await ReadAllAsync(log, 1));
        Assert.Empty(await ReadAllAsync(OpenLog("t"), 0));
    }

    [Fact]
    public async Task Of_many_appenders_racing_for_the_same_numbers_exactly_one_wins_each_and_its_entry_is_the_one_stored()
    {
        const int writers = 8;
        const int numbers = 40;
        var winners = new int?[numbers + 1];
        var start = new Barrier(writers);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var log = OpenLog("t");
            start.SignalAndWait();
            for (var n = 1; n <= numbers; n++)
            {
                try
                {
                    await log.AddTransactionAsync(new TransactionLogEntry(n, T0, "AddFiles", $"{{\"writer\":{w}}}", $"w{w}-n{n}"));
                    lock (winners)
                    {
                        Assert.Null(winners[n]);
                        winners[n] = w;
                    }
                }
                catch (DuplicateTransactionNumberException e)
                {
                    Assert.Equal(n, e.TransactionNumber);
                }
            }
        })));

        var read = await ReadAllAsync(OpenLog("t"), 0);
        Assert.Equal(Range(1, numbers), Numbers(read));
        Assert.All(read, e => Assert.Equal($"w{winners[e.TransactionNumber]}-n{e.TransactionNumber}", e.TransactionId));
    }

    [Fact]
    public async Task Committers_appending_next_numbers_concurrently_leave_one_unbroken_log_with_every_entry_once()
    {
        // What the state store does: read to the end, append the next number, on a duplicate read again and retry.
        const int committers = 6;
        const int each = 15;
        await Task.WhenAll(Enumerable.Range(0, committers).Select(c => Task.Run(async () =>
        {
            var log = OpenLog("t");
            long last = 0;
            for (var i = 0; i < each; i++)
            {
                while (true)
                {
                    await foreach (var e in log.ReadTransactionsAfterAsync(last))
                    {
                        last = e.TransactionNumber;
                    }
                    try
                    {
                        await log.AddTransactionAsync(new TransactionLogEntry(last + 1, T0, "AddFiles", "{}", $"c{c}-{i}"));
                        last++;
                        break;
                    }
                    catch (DuplicateTransactionNumberException)
                    {
                    }
                }
            }
        })));

        var read = await ReadAllAsync(OpenLog("t"), 0);
        Assert.Equal(Range(1, committers * each), Numbers(read));
        Assert.Equal(
            Enumerable.Range(0, committers).SelectMany(c => Enumerable.Range(0, each).Select(i => $"c{c}-{i}")).Order(StringComparer.Ordinal),
            read.Select(e => e.TransactionId!).Order(StringComparer.Ordinal));
    }
}
