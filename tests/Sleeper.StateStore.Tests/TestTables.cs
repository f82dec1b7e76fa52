using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;

namespace Sleeper.StateStore.Tests;

/// <summary>The table the tests use: one long row key, as the committer process assumes too.</summary>
public static class TestTables
{
    public static readonly TableSchema Schema = new([new Field("key", LongType.Instance)]);

    /// <summary>A start time with sub-millisecond ticks, so any loss of precision on the way to disk shows.</summary>
    public static readonly DateTimeOffset Start = new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.Zero).AddTicks(1234567);

    public static FakeTimeProvider NewClock() => new(Start) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(1.5) };

    public static TransactionLogStateStore Open(string dir, TimeProvider? time = null, TransactionLogStateStoreOptions? options = null) =>
        EmbeddedStateStores.Open(dir, Schema, time, options ?? new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 0 });

    public static int TransactionFileCount(string dir) =>
        Directory.GetFiles(Path.Combine(dir, EmbeddedStateStores.TransactionsFolder), "*.json").Length;
}
