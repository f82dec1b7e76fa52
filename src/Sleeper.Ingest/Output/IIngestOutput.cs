using Apache.Arrow;
using Sleeper.Core.Files;

namespace Sleeper.Ingest.Output;

/// <summary>Where ingest writes its merged, sorted rows: the table's file writing strategy.</summary>
internal interface IIngestOutput : IDisposable
{
    /// <summary>Writes the next sorted batch; <paramref name="leafOfRow"/> gives each row's leaf index.</summary>
    ValueTask WriteAsync(RecordBatch sorted, int[] leafOfRow, CancellationToken cancellationToken);

    /// <summary>Finishes every file and makes it visible; returns the references to commit.</summary>
    Task<IReadOnlyList<FileReference>> FinishAsync(CancellationToken cancellationToken);

    /// <summary>Deletes every file made visible so far (the commit failed or never happened).</summary>
    Task DeleteFinishedAsync();
}
