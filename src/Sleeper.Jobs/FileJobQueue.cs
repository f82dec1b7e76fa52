using System.Collections.Concurrent;
using System.Globalization;
using Sleeper.Core;
using Sleeper.Core.Jobs;
using Sleeper.Jobs.LocalQueue;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Jobs;

/// <summary>
/// The embedded job queue: a folder of message files that any number of threads and processes on one machine
/// can send to and receive from, and that keeps every message through a crash of any of them.
/// </summary>
/// <remarks>
/// <para>
/// Each message has a <em>claim chain</em>: files <c>claims/&lt;id&gt;.1</c>, <c>.2</c>, … of which the last says
/// who holds the message and until when (see <see cref="ClaimKind"/>). Every change of state — a receipt, an
/// extension, a release, a delete, a move to the dead letters — appends the next link, created with an atomic
/// put-if-absent. Two parties acting on the same state both try to create the same next link and exactly one
/// succeeds, so the chain is a linear history: two receivers can never both win a message, and a holder whose
/// claim expired and was taken over cannot delete, release or extend it any more.
/// </para>
/// <para>
/// The message file is deleted before its chain, and a receiver reads the message only after winning its link,
/// so a receiver that slips into a chain being removed finds no message and delivers nothing.
/// </para>
/// </remarks>
public sealed class FileJobQueue : IListableJobQueue
{
    public const int DefaultMaxReceiveCount = 3;

    private readonly QueueLayout _layout;
    private readonly TimeProvider _time;

    // The last claim read for each message; claim files never change, so a matching link number means it is current.
    private readonly ConcurrentDictionary<string, (long Link, Claim Claim)> _lastClaims = new(StringComparer.Ordinal);

    public FileJobQueue(string directory, int maxReceiveCount = DefaultMaxReceiveCount, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReceiveCount, 1);
        _layout = new QueueLayout(directory);
        _time = timeProvider ?? TimeProvider.System;
        MaxReceiveCount = maxReceiveCount;
        Name = Path.GetFileName(_layout.Directory);
    }

    /// <summary>The queue called <paramref name="name"/> of the embedded instance in <paramref name="instanceDirectory"/>.</summary>
    public static FileJobQueue InInstance(string instanceDirectory, string name, int maxReceiveCount = DefaultMaxReceiveCount, TimeProvider? timeProvider = null) =>
        new(Path.Combine(instanceDirectory, "queues", name), maxReceiveCount, timeProvider);

    public string Name { get; }

    public string Directory => _layout.Directory;

    public int MaxReceiveCount { get; }

    public async Task<string> SendAsync(string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var sentTime = _time.GetUtcNow();
        var id = QueueLayout.NewMessageId(sentTime);
        var bytes = new StoredMessage(id, body, sentTime, 0).ToBytes();
        if (!await AtomicFiles.TryCreateAsync(_layout.MessagePath(id), bytes, cancellationToken))
        {
            throw new SleeperException($"Queue '{Name}' already holds a message with the new id '{id}'.");
        }
        return id;
    }

    public async Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        // Claims are listed before messages: a message always exists before its first claim, so a listed claim
        // whose message is missing from the later listing belongs to a message that is gone for good.
        var lastClaims = _layout.ListLastClaims();
        var ids = _layout.ListMessageIds();
        RemoveOrphanedClaims(lastClaims, ids);
        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var link = lastClaims.GetValueOrDefault(id);
            Claim? current = null;
            if (link > 0)
            {
                current = await ReadLastClaimAsync(id, link, cancellationToken);
                if (current is null)
                {
                    continue;
                }
                if (current.Kind == ClaimKind.Deleted)
                {
                    // Its deleter may have died before clearing up; finishing it again is harmless.
                    RemoveMessage(id, link);
                    continue;
                }
            }
            var now = _time.GetUtcNow();
            if (current is not null && current.IsLive(now))
            {
                continue;
            }
            var received = current?.ReceiveCount ?? 0;
            var deadLetter = current?.Kind == ClaimKind.DeadLettering || received >= MaxReceiveCount;
            // The move to the dead letters is held for a visibility timeout like a receipt, so that other receivers
            // pass it by; one that finds it still there later (its mover died) does it again, which is harmless.
            var claim = deadLetter
                ? new Claim(ClaimKind.DeadLettering, received, NewReceipt(), now + visibilityTimeout)
                : new Claim(ClaimKind.Received, received + 1, NewReceipt(), now + visibilityTimeout);
            if (!await TryAppendClaimAsync(id, link + 1, claim, cancellationToken))
            {
                continue;
            }
            var stored = await StoredMessage.TryReadAsync(_layout.MessagePath(id), id, cancellationToken);
            if (stored is null)
            {
                RemoveClaims(id, link + 1);
                continue;
            }
            var message = new QueuedMessage(id, stored.Body, claim.ReceiveCount, Handle(link + 1, claim.Receipt), stored.SentTime);
            if (!deadLetter)
            {
                return message;
            }
            await MoveToDeadLettersAsync(message, link + 1, cancellationToken);
        }
        return null;
    }

    public async Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        var link = await AppendByHolderAsync(message, held => held with { Kind = ClaimKind.Deleted, ExpiresAt = DateTimeOffset.MaxValue }, cancellationToken);
        if (link is null)
        {
            return false;
        }
        RemoveMessage(message.MessageId, link.Value);
        return true;
    }

    public async Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) =>
        _ = await AppendByHolderAsync(message, held => held with { Kind = ClaimKind.Released, ExpiresAt = DateTimeOffset.MinValue }, cancellationToken);

    public async Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        var link = await AppendByHolderAsync(message, held => held with { ExpiresAt = _time.GetUtcNow() + visibilityTimeout }, cancellationToken);
        return link is not null;
    }

    public async Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default)
    {
        var letters = new List<QueuedMessage>();
        foreach (var id in _layout.ListDeadLetterIds())
        {
            var stored = await StoredMessage.TryReadAsync(_layout.DeadLetterPath(id), id, cancellationToken);
            if (stored is not null)
            {
                letters.Add(new QueuedMessage(id, stored.Body, stored.ReceiveCount, "", stored.SentTime));
            }
        }
        // A redrive that died half-way leaves its letter pending: still a dead letter until a redrive finishes it.
        foreach (var (id, path, _) in _layout.ListPendingRedrives())
        {
            var stored = await StoredMessage.TryReadAsync(path, id, cancellationToken);
            if (stored is not null)
            {
                letters.Add(new QueuedMessage(id, stored.Body, stored.ReceiveCount, "", stored.SentTime));
            }
        }
        return letters.OrderBy(l => l.MessageId, StringComparer.Ordinal).ToList();
    }

    /// <remarks>
    /// Three steps, each safe to die after: the letter is renamed to a pending name that carries the new message's
    /// id (an atomic rename, so one of several redrives wins), the new message is created under that id
    /// (put-if-absent, so finishing it twice creates it once), and the pending letter is deleted. A pending letter
    /// is still listed as a dead letter, and the next redrive of it finishes the job. Only a death between the
    /// last two steps, with the new message already received and deleted before the letter is redriven again, can
    /// send a job twice; job handlers are idempotent for at-least-once delivery anyway.
    /// </remarks>
    public async Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default)
    {
        if (!QueueLayout.IsMessageId(messageId))
        {
            return null;
        }
        var pending = _layout.ListPendingRedrives().FirstOrDefault(p => p.Id == messageId);
        if (pending.Path is null)
        {
            var newId = QueueLayout.NewMessageId(_time.GetUtcNow());
            var path = _layout.PendingRedrivePath(messageId, newId);
            try
            {
                File.Move(_layout.DeadLetterPath(messageId), path);
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            pending = (messageId, path, newId);
        }
        var stored = await StoredMessage.TryReadAsync(pending.Path, messageId, cancellationToken);
        if (stored is null)
        {
            // Another redrive finished it first.
            return null;
        }
        var message = new StoredMessage(pending.NewId, body ?? stored.Body, _time.GetUtcNow(), 0);
        // Whoever creates the message has redriven the letter; the others (racing for it, or finishing a redrive
        // that had got that far) only tidy up.
        var created = await AtomicFiles.TryCreateAsync(_layout.MessagePath(pending.NewId), message.ToBytes(), cancellationToken);
        File.Delete(pending.Path);
        return created ? pending.NewId : null;
    }

    public async Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default)
    {
        var lastClaims = _layout.ListLastClaims();
        var ids = _layout.ListMessageIds();
        var dead = _layout.ListDeadLetterIds();
        var deadSet = dead.ToHashSet(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        int visible = 0, inFlight = 0;
        foreach (var id in ids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A message whose dead letter is written but whose file is not yet removed counts once, as dead.
            if (deadSet.Contains(id))
            {
                continue;
            }
            var link = lastClaims.GetValueOrDefault(id);
            if (link == 0)
            {
                visible++;
                continue;
            }
            var claim = await ReadLastClaimAsync(id, link, cancellationToken);
            if (claim is null || claim.Kind == ClaimKind.Deleted)
            {
                continue;
            }
            if (claim.IsLive(now))
            {
                inFlight++;
            }
            else
            {
                visible++;
            }
        }
        return new QueueDepth(visible, inFlight, dead.Count + _layout.ListPendingRedrives().Count);
    }

    public async Task<IReadOnlyList<string>> ListBodiesAsync(CancellationToken cancellationToken = default)
    {
        var lastClaims = _layout.ListLastClaims();
        var dead = _layout.ListDeadLetterIds().ToHashSet(StringComparer.Ordinal);
        var bodies = new List<string>();
        foreach (var id in _layout.ListMessageIds())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (dead.Contains(id))
            {
                continue;
            }
            var link = lastClaims.GetValueOrDefault(id);
            if (link > 0 && await ReadLastClaimAsync(id, link, cancellationToken) is { Kind: ClaimKind.Deleted })
            {
                continue;
            }
            var stored = await StoredMessage.TryReadAsync(_layout.MessagePath(id), id, cancellationToken);
            if (stored is not null)
            {
                bodies.Add(stored.Body);
            }
        }
        return bodies;
    }

    /// <summary>
    /// Appends the link <paramref name="change"/> makes of the holder's claim, if the message's last link is
    /// still the holder's receipt; returns the new link's number, or null if the receipt is stale.
    /// </summary>
    /// <remarks>
    /// A claim that expired but was not taken over still counts as held: nobody else can have the message, and
    /// whoever tries next competes for the same link number.
    /// </remarks>
    private async Task<long?> AppendByHolderAsync(QueuedMessage message, Func<Claim, Claim> change, CancellationToken cancellationToken)
    {
        if (!QueueLayout.IsMessageId(message.MessageId) || !TryParseHandle(message.ReceiptHandle, out var link, out var receipt))
        {
            return null;
        }
        var id = message.MessageId;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Start from the link the receipt was given at and walk forward past the holder's own extensions.
            if (!File.Exists(_layout.ClaimPath(id, link)))
            {
                return null;
            }
            while (File.Exists(_layout.ClaimPath(id, link + 1)))
            {
                link++;
            }
            var current = await Claim.TryReadAsync(_layout.ClaimPath(id, link), cancellationToken);
            if (current is null || current.Kind != ClaimKind.Received || current.Receipt != receipt)
            {
                return null;
            }
            if (await TryAppendClaimAsync(id, link + 1, change(current), cancellationToken))
            {
                return link + 1;
            }
            // Someone appended first: a receiver after expiry (then the receipt no longer matches), or this holder
            // on another thread. Look again.
        }
    }

    /// <summary>
    /// Moves a message to the dead letters, telling nobody, as SQS does: whoever must act on a dead letter finds it
    /// with <see cref="GetDeadLettersAsync"/> (see <see cref="DeadLetterSweep"/>).
    /// </summary>
    private async Task MoveToDeadLettersAsync(QueuedMessage message, long link, CancellationToken cancellationToken)
    {
        var letter = new StoredMessage(message.MessageId, message.Body, message.SentTime, message.ReceiveCount);
        // Written first and replaceable, so a receiver redoing an interrupted move finds it the same, and the letter
        // is listed from the moment it exists, before the message is gone.
        await AtomicFiles.ReplaceAsync(_layout.DeadLetterPath(message.MessageId), letter.ToBytes(), cancellationToken);
        RemoveMessage(message.MessageId, link);
    }

    private async Task<bool> TryAppendClaimAsync(string id, long link, Claim claim, CancellationToken cancellationToken)
    {
        if (!await AtomicFiles.TryCreateAsync(_layout.ClaimPath(id, link), claim.ToBytes(), cancellationToken))
        {
            return false;
        }
        _lastClaims[id] = (link, claim);
        return true;
    }

    private async Task<Claim?> ReadLastClaimAsync(string id, long link, CancellationToken cancellationToken)
    {
        if (_lastClaims.TryGetValue(id, out var cached) && cached.Link == link)
        {
            return cached.Claim;
        }
        var claim = await Claim.TryReadAsync(_layout.ClaimPath(id, link), cancellationToken);
        if (claim is not null)
        {
            _lastClaims[id] = (link, claim);
        }
        return claim;
    }

    /// <summary>Removes a message that is finished with, whose chain ends at <paramref name="lastLink"/>: the message first (see the remarks on the type).</summary>
    private void RemoveMessage(string id, long lastLink)
    {
        File.Delete(_layout.MessagePath(id));
        RemoveClaims(id, lastLink);
    }

    private void RemoveClaims(string id, long lastLink)
    {
        // Oldest first, so the last link, which stops anyone appending, is the last to go.
        for (var link = 1L; link <= lastLink; link++)
        {
            File.Delete(_layout.ClaimPath(id, link));
        }
        _lastClaims.TryRemove(id, out _);
    }

    private void RemoveOrphanedClaims(Dictionary<string, long> lastClaims, List<string> ids)
    {
        var present = ids.ToHashSet(StringComparer.Ordinal);
        foreach (var (id, link) in lastClaims)
        {
            if (!present.Contains(id))
            {
                RemoveClaims(id, link);
            }
        }
        foreach (var id in _lastClaims.Keys)
        {
            if (!present.Contains(id))
            {
                _lastClaims.TryRemove(id, out _);
            }
        }
    }

    private static string NewReceipt() => Guid.NewGuid().ToString("N");

    private static string Handle(long link, string receipt) => string.Create(CultureInfo.InvariantCulture, $"{link}.{receipt}");

    private static bool TryParseHandle(string handle, out long link, out string receipt)
    {
        var dot = handle.IndexOf('.');
        receipt = dot < 0 ? "" : handle[(dot + 1)..];
        link = 0;
        return dot > 0 && long.TryParse(handle.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out link) && link > 0;
    }
}
