using Sleeper.Core;
using Sleeper.Core.Iterators;

namespace Sleeper.Compaction.Tests.Iterator;

/// <summary>
/// Passes every row on, and appends each row it sees (its values joined by '|') to the file its configuration
/// names: what a query-supplied iterator could leak, so a test can check it saw only what the caller may.
/// </summary>
public sealed class WriteRowsSeen : RowIterator
{
    private string _path = "";

    public override void Init(string config, Sleeper.Core.Schema.TableSchema schema)
    {
        base.Init(config, schema);
        _path = config;
    }

    public override IEnumerable<Row> Apply(IEnumerable<Row> sortedRows)
    {
        foreach (var row in sortedRows)
        {
            File.AppendAllText(_path, string.Join('|', row.Values) + "\n");
            yield return row;
        }
    }
}
