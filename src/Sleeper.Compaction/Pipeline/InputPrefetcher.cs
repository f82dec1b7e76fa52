using System.Threading.Channels;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Parquet;

namespace Sleeper.Compaction.Pipeline;

/// <summary>
/// Reads one input file ahead of the merge on a worker thread: only the row groups that can hold rows of the
/// job's partition, and of those only the rows inside it (a file referenced from several partitions holds
/// rows of the others). A small bounded channel keeps at most a couple of batches waiting, so memory is
/// bounded by inputs × batches, never by the file's size.
/// </summary>
internal sealed class InputPrefetcher
{
    private readonly SortedParquetReader _reader;
    private readonly TableSchema _schema;
    private readonly Region _region;
    private readonly Channel<RecordBatch> _channel;
    private long _rowsRead;

    public InputPrefetcher(SortedParquetReader reader, TableSchema schema, Region region, int capacity)
    {
        _reader = reader;
        _schema = schema;
        _region = region;
        // One writer (the reading task) and one reader (the merge).
        _channel = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Rows inside the region passed on so far.</summary>
    public long RowsRead => Interlocked.Read(ref _rowsRead);

    public ChannelReader<RecordBatch> Batches => _channel.Reader;

    /// <summary>Reads until the file is done, then completes the channel (with the error, if one happened).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var rowGroups = _reader.RowGroups.Where(g => MayMatch(g, _region)).Select(g => g.Index).ToList();
            await foreach (var batch in _reader.ReadRowGroupsAsync(rowGroups, null, cancellationToken).ConfigureAwait(false))
            {
                var inside = InsideRegion(batch);
                if (inside is null)
                {
                    continue;
                }
                Interlocked.Add(ref _rowsRead, inside.Length);
                try
                {
                    await _channel.Writer.WriteAsync(inside, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    inside.Dispose();
                    throw;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not SleeperException)
        {
            // The native reader reports corrupt data as a bare exception; say which file it was.
            failure = new SleeperException($"Could not read Parquet file '{_reader.Path}': {e.Message}", e);
            throw failure;
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            _channel.Writer.TryComplete(failure);
        }
    }

    /// <summary>Disposes batches nobody will take, after a failure.</summary>
    public void Drain()
    {
        while (_channel.Reader.TryRead(out var batch))
        {
            batch.Dispose();
        }
    }

    /// <summary>The rows of a batch inside the region (the batch itself when that is all of it), or null when none are.</summary>
    private RecordBatch? InsideRegion(RecordBatch batch)
    {
        int[]? selected = null;
        int start, end;
        if (_schema.RowKeyFields.Count == 1)
        {
            (start, end) = RegionFilter.FirstKeyBounds(batch, _region);
        }
        else
        {
            selected = RegionFilter.Select(batch, _schema, _region);
            (start, end) = (0, selected.Length);
        }
        if (selected is null && start == 0 && end == batch.Length || selected is not null && selected.Length == batch.Length)
        {
            return batch;
        }
        using (batch)
        {
            if (end <= start)
            {
                return null;
            }
            // Only batches that straddle a partition boundary are copied; copies own their memory, unlike slices
            // of a batch whose native buffers are released with it.
            return selected is not null
                ? BatchTake.Take(batch, selected)
                : BatchGather.Gather(batch.Schema, [new BatchRun(batch, start, end - start)], end - start);
        }
    }

    /// <summary>Whether a row group's min/max statistics on the row keys allow a row in the region.</summary>
    private static bool MayMatch(RowGroupInfo group, Region region)
    {
        for (var d = 0; d < region.Ranges.Count; d++)
        {
            var stats = group.KeyStatistics[d];
            if (stats.Min is not null && stats.Max is not null && !region[d].OverlapsClosed(stats.Min, stats.Max))
            {
                return false;
            }
        }
        return true;
    }
}
