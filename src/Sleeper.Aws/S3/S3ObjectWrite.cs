using Sleeper.Core.Storage;

namespace Sleeper.Aws.S3;

/// <summary>An object being written to S3: staged in a local file, uploaded on commit, the local file deleted after.</summary>
internal sealed class S3ObjectWrite(S3ObjectStore store, string name, string stagingPath) : IObjectWrite
{
    private bool _committed;

    public string Name { get; } = name;

    public string StagingPath { get; } = stagingPath;

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_committed)
        {
            throw new InvalidOperationException($"'{Name}' is already committed.");
        }
        await store.UploadAsync(Name, StagingPath, cancellationToken).ConfigureAwait(false);
        _committed = true;
        S3ObjectStore.DeleteQuietly(StagingPath);
    }

    public ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            S3ObjectStore.DeleteQuietly(StagingPath);
        }
        return ValueTask.CompletedTask;
    }
}
