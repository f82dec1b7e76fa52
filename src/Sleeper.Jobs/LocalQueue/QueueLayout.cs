using System.Globalization;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Jobs.LocalQueue;

/// <summary>
/// Where a file queue keeps its files, and how their names carry what receivers need without opening them:
/// <c>messages/&lt;id&gt;.json</c>, where the id starts with the sent time so names sort in sending order;
/// <c>claims/&lt;id&gt;.&lt;n&gt;</c>, the n-th link of the message's claim chain; <c>dead/&lt;id&gt;.json</c>.
/// </summary>
internal sealed class QueueLayout
{
    private const string MessageExtension = ".json";

    // Orders messages sent by one process within one clock tick (a fake clock does not move on its own).
    private static long _sendCounter;

    public QueueLayout(string directory)
    {
        Directory = Path.GetFullPath(directory);
        MessagesDirectory = Path.Combine(Directory, "messages");
        ClaimsDirectory = Path.Combine(Directory, "claims");
        DeadLettersDirectory = Path.Combine(Directory, "dead");
        System.IO.Directory.CreateDirectory(MessagesDirectory);
        System.IO.Directory.CreateDirectory(ClaimsDirectory);
        System.IO.Directory.CreateDirectory(DeadLettersDirectory);
    }

    public string Directory { get; }

    public string MessagesDirectory { get; }

    public string ClaimsDirectory { get; }

    public string DeadLettersDirectory { get; }

    public static string NewMessageId(DateTimeOffset sentTime)
    {
        var sequence = Interlocked.Increment(ref _sendCounter);
        // The random part keeps ids from different processes apart; the rest only orders them.
        return string.Create(CultureInfo.InvariantCulture, $"{sentTime.UtcTicks:D19}-{sequence:D12}-{Guid.NewGuid():N}");
    }

    /// <summary>Whether <paramref name="id"/> could be a message id made here: a caller's id becomes part of a path.</summary>
    public static bool IsMessageId(string id) =>
        id.Length > 0 && id.All(c => char.IsAsciiDigit(c) || c == '-' || char.IsAsciiHexDigitLower(c));

    public string MessagePath(string id) => Path.Combine(MessagesDirectory, id + MessageExtension);

    public string ClaimPath(string id, long link) => Path.Combine(ClaimsDirectory, string.Create(CultureInfo.InvariantCulture, $"{id}.{link}"));

    public string DeadLetterPath(string id) => Path.Combine(DeadLettersDirectory, id + MessageExtension);

    /// <summary>A dead letter being sent back to the queue as message <paramref name="newId"/> (see <c>FileJobQueue.RedriveAsync</c>).</summary>
    public string PendingRedrivePath(string id, string newId) => Path.Combine(DeadLettersDirectory, $"{id}.redrive-{newId}");

    /// <summary>The dead letters whose redrive has begun and not finished, each with the id of its new message.</summary>
    public List<(string Id, string Path, string NewId)> ListPendingRedrives()
    {
        var pending = new List<(string, string, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(DeadLettersDirectory, "*.redrive-*"))
        {
            var name = Path.GetFileName(path);
            var mark = name.IndexOf(".redrive-", StringComparison.Ordinal);
            var (id, newId) = (name[..mark], name[(mark + ".redrive-".Length)..]);
            if (!AtomicFiles.IsTemporary(name) && IsMessageId(id) && IsMessageId(newId))
            {
                pending.Add((id, path, newId));
            }
        }
        return pending;
    }

    /// <summary>The ids of the messages in the queue, oldest first.</summary>
    public List<string> ListMessageIds() => ListIds(MessagesDirectory);

    public List<string> ListDeadLetterIds() => ListIds(DeadLettersDirectory);

    /// <summary>The number of the last link of each message's claim chain, from the names alone.</summary>
    public Dictionary<string, long> ListLastClaims()
    {
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(ClaimsDirectory))
        {
            var name = Path.GetFileName(path);
            var dot = name.LastIndexOf('.');
            if (AtomicFiles.IsTemporary(name) || dot <= 0
                || !long.TryParse(name.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var link))
            {
                continue;
            }
            var id = name[..dot];
            if (!last.TryGetValue(id, out var seen) || link > seen)
            {
                last[id] = link;
            }
        }
        return last;
    }

    private static List<string> ListIds(string directory)
    {
        var ids = new List<string>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "*" + MessageExtension))
        {
            var name = Path.GetFileName(path);
            if (!AtomicFiles.IsTemporary(name) && !name.StartsWith('.'))
            {
                ids.Add(name[..^MessageExtension.Length]);
            }
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
