using Sleeper.Examples;

namespace Sleeper.Client.Tests;

/// <summary>
/// The README's example of the client is the program in <c>examples/client/Program.cs</c>, word for word; this
/// project references it, so it is compiled with the tests, and runs it here on a new instance folder.
/// </summary>
public sealed class ReadmeExampleTest : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_README_shows_the_example_program_word_for_word()
    {
        var root = RepositoryRoot();
        var program = Normalise(File.ReadAllText(Path.Combine(root, "examples", "client", "Program.cs")));
        var readme = Normalise(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Contains("## Using the C# client", readme);
        Assert.Contains("```csharp\n" + program + "```", readme);
    }

    [Fact]
    public async Task The_example_program_runs_and_prints_what_it_found()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            await ClientExample.Main([_temp.Combine("instance")]);
        }
        finally
        {
            Console.SetOut(original);
        }
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
        [
            "alice: {alice, 1, login}",
            "alice: {alice, 3, game}",
            "user10 to user20: 200 rows",
            "a to c: a batch of 3 rows",
            "bob and user07: 21 rows",
            "refused: Key [7]: row key 'user' of table 'events' is of type StringType, but the value given, 7, is of .NET type Int32; give a string.",
            "table events (online: True)",
        ], lines);
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sleeper.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Sleeper.slnx above {AppContext.BaseDirectory}.");
    }
}
