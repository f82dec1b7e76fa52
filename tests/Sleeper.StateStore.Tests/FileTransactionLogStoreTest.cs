using Sleeper.Core;
using Sleeper.Core.StateStore;

namespace Sleeper.StateStore.Tests;

public sealed class FileTransactionLogStoreTest : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TransactionLogEntry Entry(long n) => new(n, T0.AddTicks(n * 12345), "AddFiles", $"{{\"n\":{n}}}");

    private static async Task<List<TransactionLogEntry>> ReadAllAsync(ITransactionLogStore log, long after)
    {
        var result = new List<TransactionLogEntry>();
        await foreach (var e in log.ReadTransactionsAfterAsync(after))
        {
            result.Add(e);
        }
        return result;
    }

    [Fact]
    public async Task Appended_transactions_read_back_in_order_with_their_time_type_and_body()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        for (var n = 1; n <= 5; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        var read = await ReadAllAsync(new FileTransactionLogStore(_dir.Path), 2);

        Assert.Equal([Entry(3), Entry(4), Entry(5)], read);
    }

    [Fact]
    public async Task A_transaction_id_is_stored_with_its_entry_and_read_back()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        var id = Guid.NewGuid().ToString();
        await log.AddTransactionAsync(Entry(1) with { TransactionId = id });

        var read = Assert.Single(await ReadAllAsync(new FileTransactionLogStore(_dir.Path), 0));

        Assert.Equal(id, read.TransactionId);
        Assert.Equal(Entry(1) with { TransactionId = id }, read);
    }

    [Fact]
    public async Task An_entry_written_before_transactions_had_ids_reads_back_without_one()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir.Path, $"{1:D19}.json"),
            "{\"transactionNumber\":1,\"updateTime\":\"2025-03-04T05:06:07.8910000+00:00\",\"type\":\"AddFiles\",\"body\":{\"n\":1}}");

        var read = Assert.Single(await ReadAllAsync(new FileTransactionLogStore(_dir.Path), 0));

        Assert.Null(read.TransactionId);
        Assert.Equal("{\"n\":1}", read.Body);
    }

    [Fact]
    public async Task An_empty_log_reads_as_nothing()
    {
        Assert.Empty(await ReadAllAsync(new FileTransactionLogStore(_dir.Path), 0));
    }

    [Fact]
    public async Task Appending_a_number_that_exists_fails_and_keeps_the_first()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        await log.AddTransactionAsync(Entry(1));

        var e = await Assert.ThrowsAsync<DuplicateTransactionNumberException>(() => log.AddTransactionAsync(Entry(1) with { Body = "{\"other\":true}" }));

        Assert.Equal(1, e.TransactionNumber);
        Assert.Equal([Entry(1)], await ReadAllAsync(log, 0));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public async Task Of_many_threads_appending_the_same_numbers_exactly_one_wins_each_number()
    {
        const int writers = 8;
        const int numbers = 40;
        var wins = new int[writers];
        var start = new Barrier(writers);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var log = new FileTransactionLogStore(_dir.Path);
            start.SignalAndWait();
            for (var n = 1; n <= numbers; n++)
            {
                try
                {
                    await log.AddTransactionAsync(new TransactionLogEntry(n, T0, "AddFiles", $"{{\"writer\":{w}}}"));
                    wins[w]++;
                }
                catch (DuplicateTransactionNumberException)
                {
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.Equal(numbers, wins.Sum());
        var read = await ReadAllAsync(new FileTransactionLogStore(_dir.Path), 0);
        Assert.Equal(Enumerable.Range(1, numbers).Select(n => (long)n), read.Select(e => e.TransactionNumber));
        Assert.Equal(numbers, Directory.GetFiles(_dir.Path).Length);
    }

    [Fact]
    public async Task A_reader_behind_deleted_transactions_gets_the_ones_that_remain_from_the_first()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        for (var n = 1; n <= 10; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        await log.DeleteTransactionsAtOrBeforeAsync(6);

        Assert.Equal([7L, 8, 9, 10], (await ReadAllAsync(log, 0)).Select(e => e.TransactionNumber));
        Assert.Equal([7L, 8, 9, 10], (await ReadAllAsync(log, 3)).Select(e => e.TransactionNumber));
        Assert.Equal([9L, 10], (await ReadAllAsync(log, 8)).Select(e => e.TransactionNumber));
        Assert.Empty(await ReadAllAsync(log, 10));
    }

    [Fact]
    public async Task A_reader_behind_a_log_deleted_entirely_gets_nothing()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        for (var n = 1; n <= 3; n++)
        {
            await log.AddTransactionAsync(Entry(n));
        }

        await log.DeleteTransactionsAtOrBeforeAsync(3);

        Assert.Empty(await ReadAllAsync(log, 1));
        Assert.Empty(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public async Task Temporary_and_foreign_files_in_the_folder_are_never_read_as_transactions()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        await log.AddTransactionAsync(Entry(1));
        // What a writer that died half way leaves behind.
        await File.WriteAllTextAsync(_dir.Combine($".{2:D19}.json.deadbeef.tmp"), "{\"transactionNu");
        await File.WriteAllTextAsync(_dir.Combine("notes.json"), "{}");

        Assert.Equal([Entry(1)], await ReadAllAsync(log, 0));
        await log.AddTransactionAsync(Entry(2));
        Assert.Equal([Entry(2)], await ReadAllAsync(log, 1));
    }

    [Fact]
    public async Task No_temporary_file_is_left_behind_by_appends_won_or_lost()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        await log.AddTransactionAsync(Entry(1));
        await Assert.ThrowsAsync<DuplicateTransactionNumberException>(() => log.AddTransactionAsync(Entry(1)));

        Assert.Equal([$"{1:D19}.json"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_damaged_transaction_file_is_reported_by_name()
    {
        var log = new FileTransactionLogStore(_dir.Path);
        await File.WriteAllTextAsync(_dir.Combine($"{1:D19}.json"), "{\"transactionNumber\":1");

        var e = await Assert.ThrowsAsync<SleeperException>(() => ReadAllAsync(log, 0));

        Assert.Contains($"{1:D19}.json", e.Message);
    }
}
