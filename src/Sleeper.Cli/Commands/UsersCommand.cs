using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Security;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper users add USER [--auths A,…] [--role read|write|admin] | users list | users remove USER: the users of
/// the instance's server, each with an API key that is printed once and stored only hashed.
/// </summary>
public static class UsersCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("users", "The users of the instance's server: each has an API key, authorisations and a role");
        command.Subcommands.Add(Add(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Remove(context));
        return command;
    }

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("USER") { Description = "The user's name: letters, digits, _ - . @" };
        var auths = new Option<string?>("--auths") { Description = "The user's authorisations, comma-separated, quoted as in an access expression when they need it; the server runs the user's queries with these" };
        var role = new Option<string?>("--role") { Description = "read (queries and reports), write (also ingest and jobs) or admin (also tables and users); default read" };
        var command = new Command("add", "Add a user; prints its new API key once, alone on standard output (it is stored only hashed)") { name, auths, role };
        command.SetAction(async (result, cancel) =>
        {
            var userRole = ParseRole(result.GetValue(role));
            Authorisations labels;
            try
            {
                labels = Authorisations.Parse(result.GetValue(auths) ?? "");
            }
            catch (AuthorisationsException e)
            {
                throw new UsageException($"--auths: {e.Message}");
            }
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var added = await new UserDirectory(instance.Objects, instance.Time).AddAsync(result.GetValue(name)!, labels, userRole, cancel);
            context.Out.WriteLine(added.ApiKey);
            context.Chatter($"Added user {added.User.Name} ({Name(added.User.Role)}, authorisations: {Labels(added.User)}). Keep the key above: it is not stored and cannot be shown again.");
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var format = new Option<string?>("--format") { Description = "table or json (default: table)" };
        var command = new Command("list", "The users, their roles and authorisations (never their keys)") { format };
        command.SetAction(async (result, cancel) =>
        {
            var fmt = Render.Format(result.GetValue(format), "table", "table", "json");
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var users = await new UserDirectory(instance.Objects, instance.Time).ListAsync(cancel);
            if (fmt == "json")
            {
                Render.Json(context, new JsonArray(users.Select(u => (JsonNode)new JsonObject
                {
                    ["name"] = u.Name,
                    ["role"] = Name(u.Role),
                    ["authorisations"] = new JsonArray(u.Authorisations.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                    ["keyId"] = u.KeyId,
                    ["created"] = u.Created.ToString("O", CultureInfo.InvariantCulture),
                }).ToArray()));
                return 0;
            }
            Render.Table(context, ["user", "role", "authorisations", "key id", "created"],
                users.Select(u => (IReadOnlyList<string>)[u.Name, Name(u.Role), Labels(u), u.KeyId, u.Created.ToString("u", CultureInfo.InvariantCulture)]));
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("USER") { Description = "The user to remove, with its key" };
        var command = new Command("remove", "Remove a user; its key stops working") { name };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var user = result.GetValue(name)!;
            if (!await new UserDirectory(instance.Objects, instance.Time).RemoveAsync(user, cancel))
            {
                throw new UserDirectoryException($"There is no user '{user}' in {instance.Description}; 'sleeper users list' shows them.");
            }
            context.Out.WriteLine($"Removed user {user}");
            return 0;
        });
        return command;
    }

    private static UserRole ParseRole(string? role) => (role ?? "read").Trim().ToLowerInvariant() switch
    {
        "read" => UserRole.Read,
        "write" => UserRole.Write,
        "admin" => UserRole.Admin,
        _ => throw new UsageException($"--role '{role}': use read, write or admin."),
    };

    private static string Name(UserRole role) => role.ToString().ToLowerInvariant();

    private static string Labels(SleeperUser user) => user.Authorisations.Count == 0 ? "(none)" : string.Join(",", user.Authorisations);
}
