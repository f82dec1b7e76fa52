using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Sleeper.Core.Storage;

namespace Sleeper.Core.Security;

/// <summary>What a user may do: read (queries, reports), write (also ingest and jobs), admin (also tables and users).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UserRole>))]
public enum UserRole
{
    Read,
    Write,
    Admin,
}

/// <summary>
/// A user of the instance's server: a name, the authorisations its queries run with, its role, and its API key,
/// kept only as an identifier and a hash of its secret part.
/// </summary>
public sealed record SleeperUser(string Name, IReadOnlyList<string> Authorisations, UserRole Role, string KeyId, string KeyHash, DateTimeOffset Created)
{
    /// <summary>Whether the role allows what <paramref name="needed"/> allows.</summary>
    public bool Has(UserRole needed) => Role >= needed;
}

/// <summary>A user that was just added, with the only copy of its API key there will ever be.</summary>
public sealed record NewUser(SleeperUser User, string ApiKey);

/// <summary>A user could not be added or removed: the message says which and why.</summary>
public sealed class UserDirectoryException(string message) : SleeperException(message);

/// <summary>
/// The instance's users, kept through the storage port as numbered versions of one JSON document
/// (<c>users/0000000001.json</c>, …). A change writes the next number with a write that never replaces an
/// existing object, so of two changes made at once one wins and the other reads the winner's version and
/// tries again: none is lost. API keys are 256 random bits; only their SHA-256 hash is stored (a key that
/// random needs no slow hash), and a presented key is compared with it in constant time.
/// </summary>
public sealed partial class UserDirectory(IObjectStore store, TimeProvider? time = null)
{
    /// <summary>Where the versions live in the instance's store.</summary>
    public const string Folder = "users/";

    /// <summary>How an API key starts, so a leaked one is recognisable for what it is.</summary>
    public const string KeyPrefix = "slp_";

    private const int MaxAttempts = 50;

    /// <summary>Versions kept behind the newest, for a reader that listed just before a change.</summary>
    private const int VersionsKept = 3;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Every user, by name.</summary>
    public async Task<IReadOnlyList<SleeperUser>> ListAsync(CancellationToken cancellationToken = default) =>
        (await ReadLatestAsync(cancellationToken).ConfigureAwait(false)).Users;

    /// <summary>
    /// Adds a user with a new API key, returned here once and never stored. The name is letters, digits and
    /// <c>_ - . @</c>; the authorisations are labels as queries use them.
    /// </summary>
    /// <exception cref="UserDirectoryException">The name is taken or not allowed.</exception>
    /// <exception cref="AuthorisationsException">An authorisation is empty or not Unicode text.</exception>
    public async Task<NewUser> AddAsync(string name, IEnumerable<string> authorisations, UserRole role, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        var labels = new Authorisations(authorisations).Order(StringComparer.Ordinal).ToList();
        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var user = new SleeperUser(name, labels, role, keyId, Hash(secret), _time.GetUtcNow());
        await ChangeAsync(users =>
        {
            if (users.Any(u => u.KeyId == keyId))
            {
                return null; // Already in the newest version: ours.
            }
            if (users.Any(u => u.Name == name))
            {
                throw new UserDirectoryException($"User '{name}' exists already; remove it first to give it a new key.");
            }
            return [.. users, user];
        }, cancellationToken).ConfigureAwait(false);
        return new NewUser(user, $"{KeyPrefix}{keyId}_{secret}");
    }

    /// <summary>Removes a user, and with it its key; false when there was no such user.</summary>
    public async Task<bool> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        var removed = false;
        await ChangeAsync(users =>
        {
            if (!users.Any(u => u.Name == name))
            {
                return null;
            }
            removed = true;
            return users.Where(u => u.Name != name).ToList();
        }, cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>The user whose API key this is, or null for a key that is malformed, unknown or wrong.</summary>
    public async Task<SleeperUser?> AuthenticateAsync(string? apiKey, CancellationToken cancellationToken = default)
    {
        var match = apiKey is null ? null : ApiKeyShape().Match(apiKey);
        if (match is not { Success: true })
        {
            return null;
        }
        var keyId = match.Groups["id"].Value;
        var user = (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(u => u.KeyId == keyId);
        if (user is null)
        {
            return null;
        }
        var presented = Convert.FromHexString(Hash(match.Groups["secret"].Value));
        return CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(user.KeyHash)) ? user : null;
    }

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret))).ToLowerInvariant();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void CheckName(string name)
    {
        if (!UserName().IsMatch(name))
        {
            throw new UserDirectoryException($"'{name}' cannot be a user name: use 1 to 64 letters, digits or _ - . @, starting with a letter or digit.");
        }
    }

    /// <summary>
    /// Applies a change to the newest version and writes it as the next, until the newest version holds it: the
    /// change returns null once there is nothing left to do.
    /// </summary>
    /// <remarks>
    /// A written version is read back rather than trusted, because old versions are deleted: a writer that read
    /// version 5, then stalled while others wrote 6 to 9 and deleted 6, can create 6 again (put-if-absent sees no
    /// 6). That 6 is not the newest, so its change would be lost; reading the newest again finds the change
    /// missing and applies it to 9. Changes are therefore idempotent: adding a key that is there, or removing a
    /// user that is not, does nothing.
    /// </remarks>
    private async Task ChangeAsync(Func<IReadOnlyList<SleeperUser>, IReadOnlyList<SleeperUser>?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (version, users) = await ReadLatestAsync(cancellationToken).ConfigureAwait(false);
            var changed = change(users);
            if (changed is null)
            {
                await TidyAsync(version, cancellationToken).ConfigureAwait(false);
                return;
            }
            var body = JsonSerializer.SerializeToUtf8Bytes(new UsersDocument(changed.OrderBy(u => u.Name, StringComparer.Ordinal).ToList()), Json);
            try
            {
                await using var write = await store.StartWriteAsync(NameOf(version + 1), cancellationToken).ConfigureAwait(false);
                await File.WriteAllBytesAsync(write.StagingPath, body, cancellationToken).ConfigureAwait(false);
                await write.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectAlreadyExistsException) when (attempt < MaxAttempts)
            {
                continue; // Someone else changed the users first: apply the change to theirs.
            }
            if (attempt >= MaxAttempts)
            {
                throw new UserDirectoryException($"The users in {store.Location} kept changing under this change; try again.");
            }
            // Written: the next round reads the newest version back and ends there, unless this one was not the newest.
        }
    }

    /// <summary>Deletes the versions older than the few kept behind <paramref name="newest"/>.</summary>
    private async Task TidyAsync(long newest, CancellationToken cancellationToken)
    {
        foreach (var old in (await VersionsAsync(cancellationToken).ConfigureAwait(false)).Where(n => n <= newest - VersionsKept))
        {
            await store.DeleteAsync(NameOf(old), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(long Version, IReadOnlyList<SleeperUser> Users)> ReadLatestAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var versions = await VersionsAsync(cancellationToken).ConfigureAwait(false);
            if (versions.Count == 0)
            {
                return (0, []);
            }
            var version = versions.Max();
            string text;
            try
            {
                text = await store.ReadAllTextAsync(NameOf(version), cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectNotFoundException) when (attempt < MaxAttempts)
            {
                continue; // Deleted behind a newer version since it was listed.
            }
            try
            {
                var document = JsonSerializer.Deserialize<UsersDocument>(text, Json) ?? throw new JsonException("the document is null");
                return (version, document.Users);
            }
            catch (JsonException e)
            {
                throw new UserDirectoryException($"The users file {NameOf(version)} in {store.Location} is not valid: {e.Message}");
            }
        }
    }

    private async Task<List<long>> VersionsAsync(CancellationToken cancellationToken)
    {
        var versions = new List<long>();
        await foreach (var stored in store.ListAsync(Folder, cancellationToken).ConfigureAwait(false))
        {
            if (VersionOf(stored.Name) is { } version)
            {
                versions.Add(version);
            }
        }
        return versions;
    }

    private static string NameOf(long version) => Folder + version.ToString("D10", CultureInfo.InvariantCulture) + ".json";

    private static long? VersionOf(string name) =>
        name.StartsWith(Folder, StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal)
        && long.TryParse(name.AsSpan(Folder.Length, name.Length - Folder.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private sealed record UsersDocument(IReadOnlyList<SleeperUser> Users);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")]
    private static partial Regex UserName();

    [GeneratedRegex("^slp_(?<id>[0-9a-f]{16})_(?<secret>[A-Za-z0-9_-]{43})$")]
    private static partial Regex ApiKeyShape();
}
