using Apache.Arrow;

namespace Sleeper.BulkImport.Sorting;

/// <summary>How many bytes a batch's buffers hold, for the memory budget.</summary>
public static class BatchBytes
{
    public static long Of(RecordBatch batch)
    {
        long bytes = 0;
        for (var c = 0; c < batch.ColumnCount; c++)
        {
            bytes += Of(batch.Column(c).Data);
        }
        return bytes;
    }

    private static long Of(ArrayData data)
    {
        long bytes = 0;
        foreach (var buffer in data.Buffers)
        {
            bytes += buffer.Length;
        }
        foreach (var child in data.Children ?? [])
        {
            bytes += Of(child);
        }
        return bytes;
    }
}
