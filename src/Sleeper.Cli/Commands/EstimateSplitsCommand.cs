using System.CommandLine;
using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Parquet;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper table estimate-splits (NAME | --schema FILE) --partitions N PATH...: split points that cut sample
/// Parquet files into N parts of about equal size, printed in the split-points file format so the output can be
/// given straight to <c>table create --split-points</c>.
/// </summary>
public static class EstimateSplitsCommand
{
    // Fixed, so the same files always give the same split points.
    private const int SketchSeed = 1;

    public static Command Build(CliContext context)
    {
        var inputs = new Argument<string[]>("NAME|PATH")
        {
            Description = "The table whose schema to use (unless --schema is given), then the Parquet files or folders (read recursively) to sample",
            Arity = ArgumentArity.OneOrMore,
        };
        var schema = new Option<string?>("--schema") { Description = "A Sleeper schema JSON file, instead of a table's schema" };
        var partitions = new Option<int>("--partitions") { Description = "How many partitions the split points should make (at least 2)", Required = true };
        var base64 = new Option<bool>("--base64") { Description = "Write string split points in base64 (as sleeper.table.splits.base64.encoded=true reads them); a table that has the property set gets base64 anyway" };
        var command = new Command("estimate-splits", "Estimate split points from the row keys of sample Parquet files, one per line, for table create --split-points")
        {
            inputs, schema, partitions, base64,
        };
        command.SetAction(async (result, cancel) =>
        {
            var parts = result.GetValue(partitions);
            if (parts < 2)
            {
                throw new UsageException($"--partitions {parts}: give 2 or more (N partitions need N-1 split points).");
            }
            var args = result.GetValue(inputs) ?? [];
            TableSchema tableSchema;
            bool stringsBase64;
            IEnumerable<string> paths;
            if (result.GetValue(schema) is { } schemaPath)
            {
                tableSchema = SchemaSerDe.FromJson(TableCommands.ReadInput(schemaPath, "schema file"))
                    ?? throw new SleeperException($"Schema file {schemaPath} is empty.");
                stringsBase64 = result.GetValue(base64);
                paths = args;
            }
            else
            {
                if (args.Length < 2)
                {
                    throw new UsageException("Give a table NAME then one or more PATHs, or --schema FILE then one or more PATHs.");
                }
                await using var instance = await context.OpenInstanceAsync(result, cancel);
                var table = await instance.OpenTableAsync(args[0], cancellationToken: cancel);
                tableSchema = table.Schema;
                stringsBase64 = result.GetValue(base64) || table.Properties.GetBool(TableProperty.SplitsBase64Encoded);
                paths = args.Skip(1);
            }
            var files = ParquetFiles.Find(paths);
            var sketched = await RowKeySketcher.SketchAsync(files, tableSchema, new Random(SketchSeed), cancel);
            if (sketched.Sketches.RowCount == 0)
            {
                throw new SleeperException($"The {files.Count} file(s) given hold no rows, so there is nothing to estimate split points from.");
            }
            var estimate = SplitPointEstimator.Estimate(sketched.Sketches, parts);
            var text = SplitPoints.Format(estimate.Points, stringsBase64);
            await context.Out.WriteAsync(text);
            if (estimate.ShortfallReason is { } reason)
            {
                // A warning, not chatter: whoever pipes the output into a file should still learn it is short.
                await context.Error.WriteLineAsync(reason);
            }
            context.Chatter($"{estimate.Points.Count} split point(s) for {estimate.Partitions} partition(s) from {estimate.RowsSampled:N0} row(s) " +
                $"in {sketched.Files} file(s) ({sketched.FromSketchesFiles} sketched from their .sketches file).");
            return 0;
        });
        return command;
    }
}
