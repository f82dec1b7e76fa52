using Sleeper.Core.Security;
using Sleeper.Core.Storage;
using Sleeper.TestSupport;

namespace Sleeper.Core.Tests.Security;

/// <summary>
/// The instance's users: a key works only for its user and only whole, is never stored in clear, dies with its
/// user, and changes made at once are all kept.
/// </summary>
public sealed class UserDirectoryTests : IDisposable
{
    private readonly InMemoryObjectStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task A_new_users_key_authenticates_it_with_its_authorisations_and_role()
    {
        var users = new UserDirectory(_store);

        var alice = await users.AddAsync("alice", ["RED", "top secret"], UserRole.Write);
        var bob = await users.AddAsync("bob", [], UserRole.Read);

        Assert.StartsWith(UserDirectory.KeyPrefix, alice.ApiKey);
        var found = await users.AuthenticateAsync(alice.ApiKey);
        Assert.Equal("alice", found!.Name);
        Assert.Equal(["RED", "top secret"], found.Authorisations);
        Assert.True(found.Has(UserRole.Read) && found.Has(UserRole.Write) && !found.Has(UserRole.Admin));
        Assert.Equal("bob", (await new UserDirectory(_store).AuthenticateAsync(bob.ApiKey))!.Name);
        Assert.Equal(["alice", "bob"], (await users.ListAsync()).Select(u => u.Name));
    }

    [Fact]
    public async Task Wrong_malformed_or_altered_keys_authenticate_no_one()
    {
        var users = new UserDirectory(_store);
        var key = (await users.AddAsync("alice", [], UserRole.Admin)).ApiKey;
        var other = (await users.AddAsync("bob", [], UserRole.Read)).ApiKey;

        // Alice's key id with Bob's secret, and the reverse: each half must match the same user.
        var aliceId = key[..(UserDirectory.KeyPrefix.Length + 16)];
        var bobSecret = other[(UserDirectory.KeyPrefix.Length + 17)..];
        string[] wrong = [
            "", "slp_", key + "x", key[..^1], key[..^1] + (key[^1] == 'A' ? 'B' : 'A'), key.ToUpperInvariant(),
            $"{aliceId}_{bobSecret}", "Bearer " + key, " " + key,
        ];
        foreach (var attempt in wrong)
        {
            Assert.Null(await users.AuthenticateAsync(attempt));
        }
        Assert.Null(await users.AuthenticateAsync(null));
    }

    [Fact]
    public async Task Keys_are_stored_only_hashed()
    {
        var users = new UserDirectory(_store);
        var key = (await users.AddAsync("alice", ["RED"], UserRole.Read)).ApiKey;
        var secret = key[(UserDirectory.KeyPrefix.Length + 17)..];

        foreach (var name in _store.Names)
        {
            var text = await _store.ReadAllTextAsync(name);
            Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain(key, text);
        }
    }

    [Fact]
    public async Task A_removed_users_key_stops_working_and_the_name_can_be_used_again_with_a_new_key()
    {
        var users = new UserDirectory(_store);
        var old = (await users.AddAsync("alice", [], UserRole.Read)).ApiKey;

        Assert.True(await users.RemoveAsync("alice"));
        Assert.False(await users.RemoveAsync("alice"));
        Assert.Null(await users.AuthenticateAsync(old));
        var renewed = (await users.AddAsync("alice", [], UserRole.Admin)).ApiKey;
        Assert.NotEqual(old, renewed);
        Assert.Null(await users.AuthenticateAsync(old));
        Assert.Equal(UserRole.Admin, (await users.AuthenticateAsync(renewed))!.Role);
    }

    [Fact]
    public async Task Taken_or_unusable_names_and_empty_authorisations_are_refused_and_change_nothing()
    {
        var users = new UserDirectory(_store);
        await users.AddAsync("alice", [], UserRole.Read);

        var taken = await Assert.ThrowsAsync<UserDirectoryException>(() => users.AddAsync("alice", [], UserRole.Admin));
        Assert.Contains("'alice' exists already", taken.Message);
        foreach (var bad in new[] { "", " alice", "../x", "a b", "-lead", new string('a', 65) })
        {
            var e = await Assert.ThrowsAsync<UserDirectoryException>(() => users.AddAsync(bad, [], UserRole.Read));
            Assert.Contains("cannot be a user name", e.Message);
        }
        await Assert.ThrowsAsync<AuthorisationsException>(() => users.AddAsync("bob", [""], UserRole.Read));
        Assert.Equal(["alice"], (await users.ListAsync()).Select(u => u.Name));
        Assert.Equal(UserRole.Read, (await users.ListAsync()).Single().Role);
    }

    [Fact]
    public async Task Users_added_and_removed_at_once_are_all_kept_and_old_versions_are_tidied()
    {
        var adds = Enumerable.Range(0, 12).Select(i => Task.Run(() => new UserDirectory(_store).AddAsync($"user{i}", [], UserRole.Read))).ToList();
        var keys = (await Task.WhenAll(adds)).ToDictionary(n => n.User.Name, n => n.ApiKey);
        var removes = Enumerable.Range(0, 12).Where(i => i % 3 == 0).Select(i => Task.Run(() => new UserDirectory(_store).RemoveAsync($"user{i}"))).ToList();
        Assert.All(await Task.WhenAll(removes), Assert.True);

        var users = new UserDirectory(_store);
        var expected = Enumerable.Range(0, 12).Where(i => i % 3 != 0).Select(i => $"user{i}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, (await users.ListAsync()).Select(u => u.Name));
        foreach (var (name, key) in keys)
        {
            Assert.Equal(expected.Contains(name) ? name : null, (await users.AuthenticateAsync(key))?.Name);
        }
        Assert.True(_store.Names.Count(n => n.StartsWith(UserDirectory.Folder, StringComparison.Ordinal)) <= 3);
    }

    [Fact]
    public async Task A_corrupt_users_file_is_an_error_naming_it()
    {
        await _store.WriteAllBytesAsync("users/0000000001.json", "{not json"u8.ToArray());

        var e = await Assert.ThrowsAsync<UserDirectoryException>(() => new UserDirectory(_store).ListAsync());
        Assert.Contains("users/0000000001.json", e.Message);
    }
}
