using System.Text.Json.Nodes;
using Sleeper.Core.Security;
using Sleeper.Instance;

namespace Sleeper.Cli.Tests;

/// <summary>
/// sleeper users add|list|remove: the key is printed once, alone on standard output, and never again; the list
/// shows users without keys; a removed user's key stops working.
/// </summary>
public sealed class UsersCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_user_is_added_with_a_key_printed_once_listed_without_it_and_removed()
    {
        await _cli.OkAsync("instance", "create");

        var added = await _cli.OkAsync("users", "add", "alice", "--auths", "RED,\"top secret\"", "--role", "write");
        var key = added.Output.Trim();
        Assert.Matches("^slp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal(key + Environment.NewLine, added.Output);
        await _cli.OkAsync("users", "add", "bob");

        var listed = await _cli.OkAsync("users", "list", "--format", "json");
        Assert.DoesNotContain(key[^20..], listed.Output);
        var users = JsonNode.Parse(listed.Output)!.AsArray();
        Assert.Equal(["alice", "bob"], users.Select(u => u!["name"]!.GetValue<string>()));
        Assert.Equal("write", users[0]!["role"]!.GetValue<string>());
        Assert.Equal(["RED", "top secret"], users[0]!["authorisations"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("read", users[1]!["role"]!.GetValue<string>());
        Assert.Contains("alice", (await _cli.OkAsync("users", "list")).Output);

        var directory = await UsersAsync();
        Assert.Equal("alice", (await directory.AuthenticateAsync(key))!.Name);

        Assert.Contains("Removed user alice", (await _cli.OkAsync("users", "remove", "alice")).Output);
        Assert.Null(await directory.AuthenticateAsync(key));
        var again = await _cli.RunAsync("users", "remove", "alice");
        Assert.Equal(1, again.Status);
        Assert.Contains("no user 'alice'", again.Error);
    }

    [Fact]
    public async Task Bad_names_roles_and_authorisations_are_refused_saying_what_is_wrong()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("users", "add", "alice");

        var taken = await _cli.RunAsync("users", "add", "alice");
        Assert.Equal(1, taken.Status);
        Assert.Contains("exists already", taken.Error);
        Assert.Empty(taken.Output);
        var role = await _cli.RunAsync("users", "add", "bob", "--role", "root");
        Assert.Equal(2, role.Status);
        Assert.Contains("--role 'root'", role.Error);
        var auths = await _cli.RunAsync("users", "add", "bob", "--auths", "RED,,BLUE");
        Assert.Equal(2, auths.Status);
        Assert.Contains("--auths", auths.Error);
        var name = await _cli.RunAsync("users", "add", "../bob");
        Assert.Equal(1, name.Status);
        Assert.Contains("cannot be a user name", name.Error);
        Assert.Single(await (await UsersAsync()).ListAsync());
    }

    private Task<UserDirectory> UsersAsync() => Task.FromResult(new UserDirectory(EmbeddedInstance.Open(_cli.Instance).Objects));
}

/// <summary>sleeper events: the instance's event log, as JSON lines or a table, and following it.</summary>
public sealed class EventsCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Failures_recorded_by_the_instances_trackers_are_listed_oldest_first()
    {
        await _cli.OkAsync("instance", "create");
        Assert.Empty((await _cli.OkAsync("events", "--format", "jsonl")).Output.Trim());
        await using (var instance = await SleeperInstance.OpenAsync(_cli.Instance))
        {
            var t0 = DateTimeOffset.UtcNow;
            await instance.IngestTracker.RecordAsync(new Sleeper.Core.Tracking.JobEvent("table-1", "job-1", Sleeper.Core.Tracking.JobEventKind.Failed, t0, Reason: "no such file"));
            await instance.CompactionTracker.RecordOnceAsync(new Sleeper.Core.Tracking.JobEvent("table-1", "job-2", Sleeper.Core.Tracking.JobEventKind.DeadLettered, t0));
        }

        var lines = (await _cli.OkAsync("events", "--format", "jsonl")).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal("ingest-job-failed", first["kind"]!.GetValue<string>());
        Assert.Equal("Warning", first["severity"]!.GetValue<string>());
        Assert.Contains("no such file", first["message"]!.GetValue<string>());
        Assert.Equal("compaction-job-dead-lettered", JsonNode.Parse(lines[1])!["kind"]!.GetValue<string>());
        Assert.Contains("job-2", (await _cli.OkAsync("events", "--format", "table")).Output);
        Assert.Equal(2, (await _cli.RunAsync("events", "--follow", "--interval", "0")).Status);
    }
}
