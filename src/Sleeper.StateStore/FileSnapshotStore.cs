using System.Globalization;
using System.Text;
using Sleeper.Core.StateStore;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.StateStore;

/// <summary>
/// Snapshots of a table's state as files in a local folder, one per transaction number, each written whole
/// under a temporary name and then renamed into place.
/// </summary>
/// <remarks>
/// A file is named <c>snapshot-&lt;number&gt;-&lt;created unix ms&gt;.json</c> and holds just the state, so
/// finding the newest snapshot and its age is a listing of a small folder that opens no file.
/// </remarks>
public sealed class FileSnapshotStore : ITransactionLogSnapshotStore
{
    private const string Prefix = "snapshot-";
    private const string Extension = ".json";
    private const int NumberDigits = 19;

    public FileSnapshotStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(List().Select(s => s.Info).MaxBy(s => s.TransactionNumber));

    public async Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        // Two processes may have written the same number at different times; both hold the same state.
        foreach (var (info, path) in List().Where(s => s.Info.TransactionNumber == transactionNumber))
        {
            try
            {
                var body = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
                return new TransactionLogSnapshot(info.TransactionNumber, info.CreatedTime, body);
            }
            catch (FileNotFoundException)
            {
                // Deleted since the listing; try another copy, if any.
            }
        }
        return null;
    }

    public Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default) =>
        AtomicFiles.ReplaceAsync(PathOf(snapshot.TransactionNumber, snapshot.CreatedTime), Encoding.UTF8.GetBytes(snapshot.Body), cancellationToken);

    public Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TransactionLogSnapshotInfo>>(List()
            .GroupBy(s => s.Info.TransactionNumber)
            .Select(g => g.MinBy(s => s.Info.CreatedTime).Info)
            .OrderBy(s => s.TransactionNumber)
            .ToList());

    public Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        foreach (var (_, path) in List().Where(s => s.Info.TransactionNumber == transactionNumber))
        {
            File.Delete(path);
        }
        return Task.CompletedTask;
    }

    private string PathOf(long number, DateTimeOffset created) => Path.Combine(Directory,
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0')}-{created.ToUnixTimeMilliseconds()}{Extension}"));

    private IEnumerable<(TransactionLogSnapshotInfo Info, string Path)> List()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path)[Prefix.Length..];
            var dash = name.IndexOf('-');
            if (dash == NumberDigits
                && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && long.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
            {
                yield return (new TransactionLogSnapshotInfo(number, DateTimeOffset.FromUnixTimeMilliseconds(millis)), path);
            }
        }
    }
}
