using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport.Tests;

/// <summary>Bulk import checks a table's visibility labels as it reads, before it writes any file of the table.</summary>
public sealed class BulkImportVisibilityTest : IDisposable
{
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public async Task A_malformed_label_fails_the_import_naming_the_file_and_field_and_nothing_is_written_or_committed()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1, splitPoints: ["m"]);
        // The schema's string value field holds the labels; the random values are all well-formed labels.
        table.Properties.Set(TableProperty.VisibilityField.Name, "value");
        await _t.Instance.SaveTablePropertiesAsync(table);
        var rows = TestTable.Rows(3000, seed: 9);
        rows[2500] = ("zzz-bad", 1, "A|B&C");
        var files = new[] { _t.WriteParquet("good.parquet", rows[..2000]), _t.WriteParquet("bad.parquet", rows[2000..]) };

        var error = await Assert.ThrowsAsync<RowValidationException>(() =>
            new BulkImportRunner(table, new BulkImportOptions { ScratchRoot = _t.Scratch, BatchRows = 700 }).ImportAsync(IngestInputs.Resolve(files, null)));

        Assert.Contains("bad.parquet", error.Message);
        Assert.Contains("(row key key=zzz-bad): field 'value' is not a valid access expression", error.Message);
        Assert.Empty(await table.StateStore.GetFileReferencesAsync());
        Assert.Empty(TestTable.DataFilesOnDisk(table));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_t.Scratch));
    }
}
