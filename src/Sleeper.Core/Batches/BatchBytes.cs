using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>How much memory a batch's buffers hold, for budgets that count bytes rather than rows.</summary>
public static class BatchBytes
{
    /// <summary>The bytes of every buffer of every column, children included; a slice counts its whole buffers.</summary>
    public static long Of(RecordBatch batch)
    {
        long total = 0;
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            total += Of(batch.Column(c).Data);
        }
        return total;
    }

    private static long Of(ArrayData data)
    {
        long total = 0;
        foreach (var buffer in data.Buffers)
        {
            total += buffer.Length;
        }
        // Arrays built from buffers alone (as the gathers build them) have no children list at all.
        foreach (var child in data.Children ?? [])
        {
            total += Of(child);
        }
        return total;
    }
}
