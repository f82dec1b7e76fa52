using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Instance;
using Sleeper.Parquet;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.BulkImport.Tests;

/// <summary>A temp folder with a real embedded instance, a table of the standard schema, and ways to make input files and read back what a table holds.</summary>
public sealed class TestTable : IDisposable
{
    public static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    public TestTable()
    {
        Folder = Path.Combine(Path.GetTempPath(), "sleeper-bulk-import-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(Scratch);
    }

    public string Folder { get; }

    /// <summary>Where imports in tests make their scratch folders, to check nothing is left there.</summary>
    public string Scratch => Path.Combine(Folder, "scratch");

    public SleeperInstance Instance { get; private set; } = null!;

    public async Task<SleeperTable> CreateAsync(int minLeafPartitions, IReadOnlyList<object>? splitPoints = null)
    {
        Instance = await EmbeddedInstance.CreateAsync(Path.Combine(Folder, "instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.BulkImportMinLeafPartitions.Name, minLeafPartitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await Instance.CreateTableAsync("t", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, splitPoints ?? []));
    }

    /// <summary>Random rows with ~12-character keys over a small alphabet, so some keys repeat.</summary>
    public static List<(string Key, long Timestamp, string Value)> Rows(int count, int seed)
    {
        var random = new Random(seed);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        string Text(int length) => new(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        return Enumerable.Range(0, count).Select(_ => (Text(random.Next(1, 13)), random.NextInt64(-1000, 1000), Text(40))).ToList();
    }

    /// <summary>Writes rows, unsorted, to a Parquet file with small row groups so a file has many of them.</summary>
    public string WriteParquet(string name, IReadOnlyList<(string Key, long Timestamp, string Value)> rows, int rowGroupRows = 1000)
    {
        var path = Path.Combine(Folder, name);
        var builder = new RecordBatchBuilder(Schema, rows.Count);
        foreach (var (key, timestamp, value) in rows)
        {
            builder.AppendUtf8(0, System.Text.Encoding.UTF8.GetBytes(key));
            builder.AppendInt64(1, timestamp);
            builder.AppendUtf8(2, System.Text.Encoding.UTF8.GetBytes(value));
            builder.EndRow();
        }
        using var batch = builder.Build();
        var arrowSchema = ArrowSchemas.ToArrow(Schema);
        using var properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).MaxRowGroupLength(rowGroupRows).Build();
        using var writer = new FileWriter(path, arrowSchema, properties);
        writer.WriteBufferedRecordBatch(new RecordBatch(arrowSchema, batch.Arrays, batch.Length));
        writer.Close();
        return path;
    }

    public string WriteText(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// Every row of every file the table references, checking on the way that each file is sorted, that each
    /// is referenced from exactly one leaf, and that every row lies in that leaf's region.
    /// </summary>
    public static async Task<List<(string Key, long Timestamp, string Value)>> ReadBackAsync(SleeperTable table)
    {
        var state = await table.StateStore.GetStateAsync();
        var tree = state.PartitionTree();
        var rows = new List<(string, long, string)>();
        foreach (var file in state.Files.Values)
        {
            var reference = Assert.Single(file.References.Values);
            var leaf = tree.Get(reference.PartitionId);
            Assert.True(leaf.IsLeaf, $"{file.Filename} is referenced from non-leaf {leaf.Id}");
            var fileRows = new List<(string Key, long Timestamp, string Value)>();
            using var reader = SortedParquetReader.Open(table.LocalPathOf(file.Filename), table.Schema);
            await foreach (var batch in reader.ReadAllAsync())
            {
                using (batch)
                {
                    var keys = (StringArray)batch.Column(0);
                    var timestamps = (Int64Array)batch.Column(1);
                    var values = (StringArray)batch.Column(2);
                    for (var i = 0; i < batch.Length; i++)
                    {
                        fileRows.Add((keys.GetString(i), timestamps.GetValue(i)!.Value, values.GetString(i)));
                    }
                }
            }
            Assert.Equal(reference.NumberOfRows, fileRows.Count);
            Assert.True(File.Exists(SketchesFile.PathFor(table.LocalPathOf(file.Filename))), $"{file.Filename} has no sketches file");
            for (var i = 0; i < fileRows.Count; i++)
            {
                Assert.True(leaf.Region[0].Contains(fileRows[i].Key), $"Row key '{fileRows[i].Key}' of {file.Filename} is outside partition {leaf.Id}, {leaf.Region[0]}");
                if (i > 0)
                {
                    Assert.True(Order(fileRows[i - 1], fileRows[i]) <= 0, $"{file.Filename} is not sorted at row {i}");
                }
            }
            rows.AddRange(fileRows);
        }
        return rows;
    }

    public static List<(string Key, long Timestamp, string Value)> Sorted(IEnumerable<(string Key, long Timestamp, string Value)> rows)
    {
        var list = rows.ToList();
        list.Sort((a, b) =>
        {
            var c = Order(a, b);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        return list;
    }

    private static int Order((string Key, long Timestamp, string Value) a, (string Key, long Timestamp, string Value) b)
    {
        var c = string.CompareOrdinal(a.Key, b.Key);
        return c != 0 ? c : a.Timestamp.CompareTo(b.Timestamp);
    }

    /// <summary>The data and sketch files under the table's folder.</summary>
    public static List<string> DataFilesOnDisk(SleeperTable table)
    {
        var data = Path.Combine(table.LocalFolder(), "data");
        return Directory.Exists(data) ? Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).ToList() : [];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder harms nothing.
        }
    }
}
