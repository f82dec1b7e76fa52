using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Sleeper.Cli.Output;
using Sleeper.Core.Generation;
using Sleeper.Core.Schema;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper generate --schema FILE --rows N --output FILE.parquet [--seed S]: random rows for any schema.</summary>
public static class GenerateCommand
{
    private const int BatchRows = 64 * 1024;

    public static Command Build(CliContext context)
    {
        var schema = new Option<string>("--schema") { Description = "A Sleeper schema JSON file", Required = true };
        var rows = new Option<long>("--rows") { Description = "How many rows", Required = true };
        var output = new Option<string>("--output") { Description = "The Parquet file to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed gives the same rows", DefaultValueFactory = _ => 1 };
        var command = new Command("generate", "Write random rows for a schema to a Parquet file (every type; the same rows for the same seed)") { schema, rows, output, seed };
        command.SetAction(async (result, cancel) =>
        {
            var count = result.GetValue(rows);
            if (count < 0)
            {
                throw new UsageException($"--rows {count}: give zero or more.");
            }
            var tableSchema = SchemaSerDe.FromJson(TableCommands.ReadInput(result.GetValue(schema)!, "schema file"));
            var generator = new RandomRowGenerator(tableSchema, result.GetValue(seed));
            var path = result.GetValue(output)!;
            var watch = Stopwatch.StartNew();
            var written = await ParquetOutputFile.WriteAsync(path, Batches(generator, count, cancel), cancel);
            context.Out.WriteLine($"Wrote {written:N0} row(s) to {path} in {watch.Elapsed.TotalSeconds:F2} s");
            return 0;
        });
        return command;
    }

    private static async IAsyncEnumerable<RecordBatch> Batches(RandomRowGenerator generator, long rows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (rows == 0)
        {
            // An empty file still carries the schema.
            yield return generator.Next(0);
        }
        for (long done = 0; done < rows; done += BatchRows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return generator.Next((int)Math.Min(BatchRows, rows - done));
        }
        await Task.CompletedTask;
    }
}
