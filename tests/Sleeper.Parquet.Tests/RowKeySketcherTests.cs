using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Parquet.Tests;

public class RowKeySketcherTests
{
    [Fact]
    public async Task A_null_row_key_in_a_sample_file_is_an_error_naming_the_file_and_field()
    {
        using var folder = new TempFolder();
        var path = folder.File("nulls.parquet");
        // Written with plain ParquetSharp: Sleeper's own writer would never write a null key.
        var key = new StringArray.Builder().Append("a").AppendNull().Append("c").Build();
        var timestamp = new Int64Array.Builder().AppendRange([1L, 2L, 3L]).Build();
        var value = new StringArray.Builder().AppendRange(["x", "y", "z"]).Build();
        var arrowSchema = new Apache.Arrow.Schema.Builder()
            .Field(f => f.Name("key").DataType(Apache.Arrow.Types.StringType.Default).Nullable(true))
            .Field(f => f.Name("timestamp").DataType(Apache.Arrow.Types.Int64Type.Default).Nullable(false))
            .Field(f => f.Name("value").DataType(Apache.Arrow.Types.StringType.Default).Nullable(false))
            .Build();
        using (var writer = new ParquetSharp.Arrow.FileWriter(path, arrowSchema))
        {
            writer.WriteRecordBatch(new RecordBatch(arrowSchema, [key, timestamp, value], 3));
            writer.Close();
        }

        var e = await Assert.ThrowsAsync<SleeperException>(() => RowKeySketcher.SketchAsync([path], TestTables.Standard, new Random(1)));

        Assert.Contains(path, e.Message);
        Assert.Contains("'key'", e.Message);
        Assert.Contains("null in 1 row(s)", e.Message);
    }

    [Fact]
    public async Task Sketches_of_several_files_merge_and_count_what_came_from_sketches_files()
    {
        using var folder = new TempFolder();
        var written = folder.File("written.parquet");
        await using (var writer = new SortedParquetWriter(written, ParquetWriteSettings.From(TestTables.Standard, Sleeper.Core.Properties.SleeperProperties.ForTable())))
        {
            writer.Write(TestTables.StandardBatch(0, 100));
            await writer.CommitAsync();
        }
        Assert.True(File.Exists(SketchesFile.PathFor(written)));
        var bare = folder.File("bare.parquet");
        File.Copy(written, bare);

        var result = await RowKeySketcher.SketchAsync([written, bare], TestTables.Standard, new Random(1));

        Assert.Equal(2, result.Files);
        Assert.Equal(1, result.FromSketchesFiles);
        Assert.Equal(200, result.Sketches.RowCount);
    }

    [Fact]
    public void Folders_give_their_parquet_files_recursively_in_order_skipping_hidden_ones()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("sub/deeper"));
        foreach (var name in new[] { "b.parquet", "a.parquet", "sub/deeper/c.parquet", ".hidden.parquet", "a.sketches", "notes.txt" })
        {
            File.WriteAllText(folder.File(name), "");
        }
        var explicitFile = folder.File("notes.txt");

        var files = ParquetFiles.Find([folder.Path, explicitFile]);

        Assert.Equal([folder.File("a.parquet"), folder.File("b.parquet"), folder.File("sub/deeper/c.parquet"), explicitFile], files);
        Directory.CreateDirectory(folder.File("empty"));
        Assert.Contains("holds no .parquet files", Assert.Throws<SleeperException>(() => ParquetFiles.Find([folder.File("empty")])).Message);
        Assert.Contains("/no/such/place", Assert.Throws<SleeperException>(() => ParquetFiles.Find(["/no/such/place"])).Message);
    }
}
