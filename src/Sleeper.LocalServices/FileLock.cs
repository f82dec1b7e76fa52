namespace Sleeper.LocalServices;

/// <summary>
/// A lock held by one process at a time on this machine, so two <c>services start</c> (or an install of s3rver) running
/// together do not start two servers over the same data. On Unix .NET takes an advisory flock for
/// <see cref="FileShare.None"/>; the kernel drops it when the holder dies, so a killed command leaves no stale lock.
/// </summary>
internal sealed class FileLock : IAsyncDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, string holderDescription, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (IOException e)
            {
                throw new LocalServicesException(
                    $"Waited {timeout.TotalSeconds:F0} s for {path}, which {holderDescription} holds; try again when it has finished.", e);
            }
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
