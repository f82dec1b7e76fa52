using Sleeper.Client;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Examples;

public static class ClientExample
{
    /// <summary>Usage: Sleeper.Client.Example [INSTANCE] — a folder (created if new) or s3://bucket/prefix.</summary>
    public static async Task Main(string[] args)
    {
        var location = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "sleeper-client-example");
        await using var sleeper = Directory.Exists(location) || location.StartsWith("s3://", StringComparison.Ordinal)
            ? await SleeperClient.OpenAsync(location)
            : await SleeperClient.CreateInstanceAsync(location);

        // A table keyed by user and time, in two partitions from the start.
        var schema = new TableSchema(
            rowKeyFields: [new Field("user", StringType.Instance)],
            sortKeyFields: [new Field("time", LongType.Instance)],
            valueFields: [new Field("event", StringType.Instance), new Field("score", IntType.Instance, Nullable: true)]);
        if (!await sleeper.TableExistsAsync("events"))
        {
            await sleeper.CreateTableAsync("events", schema, splitPoints: ["m"],
                properties: new Dictionary<string, string> { ["sleeper.table.parquet.compression.codec"] = "zstd" });
        }

        // One batch of rows, in one commit.
        await sleeper.WriteAsync("events", [
            new Row(["alice", 1L, "login", null]),
            new Row(["bob", 2L, "login", null]),
            new Row(["alice", 3L, "game", 42]),
        ]);

        // Many rows through a batch writer: each flush is one commit, and disposing it flushes the rest.
        await using (var writer = await sleeper.OpenBatchWriterAsync("events"))
        {
            for (var i = 0; i < 1000; i++)
            {
                await writer.AddAsync(new Row([$"user{i % 50:D2}", (long)i, "click", i % 7]));
            }
        }

        // An exact key, with the fields wanted and the caller's authorisations.
        var alice = SleeperQuery.ForKeys("alice") with { Fields = ["user", "time", "event"], Authorisations = ["public"] };
        await foreach (var row in sleeper.QueryAsync("events", alice))
        {
            Console.WriteLine($"alice: {row}");
        }

        // A range of the first row key (min inclusive, max exclusive), and a region by field name.
        var users = 0;
        await foreach (var row in sleeper.QueryAsync("events", SleeperQuery.ForRange("user10", "user20")))
        {
            users++;
        }
        Console.WriteLine($"user10 to user20: {users} rows");
        var region = SleeperQuery.ForRegions(QueryRegion.Of("user", new QueryRange("a", "c")));
        await foreach (var batch in sleeper.QueryBatchesAsync("events", region))
        {
            using (batch)
            {
                Console.WriteLine($"a to c: a batch of {batch.Length} rows");
            }
        }

        // Several exact keys at once; a key of the wrong type is refused before anything is read.
        var keys = SleeperQuery.ForKeys([Key.Of("bob"), Key.Of("user07")]);
        Console.WriteLine($"bob and user07: {await sleeper.QueryAsync("events", keys).CountAsync()} rows");
        try
        {
            await sleeper.QueryAsync("events", SleeperQuery.ForKeys(7)).CountAsync();
        }
        catch (InvalidQueryException e)
        {
            Console.WriteLine($"refused: {e.Message}");
        }

        foreach (var table in await sleeper.ListTablesAsync())
        {
            Console.WriteLine($"table {table.TableName} (online: {table.Online})");
        }
    }
}
