using System.Globalization;
using Sleeper.Core;
using Sleeper.Core.Iterators;
using Sleeper.Core.Schema;

namespace Sleeper.Compaction.Tests.Iterator;

/// <summary>A row-by-row iterator: keeps rows whose timestamp is divisible by the number in its configuration.</summary>
public sealed class KeepTimestampsDivisibleBy : RowIterator
{
    private long _divisor;
    private int _column;

    public override void Init(string config, TableSchema schema)
    {
        base.Init(config, schema);
        if (!long.TryParse(config, NumberStyles.Integer, CultureInfo.InvariantCulture, out _divisor) || _divisor <= 0)
        {
            throw new PropertyException($"Property sleeper.table.iterator.config: '{config}' is not a positive divisor.");
        }
        _column = schema.IndexOf("timestamp");
    }

    public override IEnumerable<Row> Apply(IEnumerable<Row> sortedRows) =>
        sortedRows.Where(row => (long)row[_column]! % _divisor == 0);
}
