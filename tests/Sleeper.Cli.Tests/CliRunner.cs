using Sleeper.Cli;

namespace Sleeper.Cli.Tests;

/// <summary>Runs the sleeper command line in-process against a temporary instance folder.</summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Directory.CreateDirectory(Folder);
        Instance = Path.Combine(Folder, "instance");
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "sleeper-cli-test-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The instance every command names: a folder inside <see cref="Folder"/> unless a test points it elsewhere (s3://…).</summary>
    public string Instance { get; set; }

    public static string RepositoryRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Sleeper.slnx")))
            {
                dir = Path.GetDirectoryName(dir);
            }
            return dir ?? throw new InvalidOperationException("Cannot find the repository root.");
        }
    }

    public static string Example(string name) => Path.Combine(RepositoryRoot, "examples", name);

    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public Task<Result> RunAsync(params string[] args) => RunWithoutInstanceAsync([.. args, "--instance", Instance]);

    /// <summary>The built command line as a child process on this runner's instance, for tests that signal or kill it.</summary>
    public System.Diagnostics.Process StartProcess(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Folder,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sleeper.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["SLEEPER_INSTANCE"] = Instance;
        var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>The state of the table's one compaction job in the report, or null while there is not exactly one.</summary>
    public async Task<string?> SingleCompactionJobStateAsync(string table)
    {
        var jobs = System.Text.Json.Nodes.JsonNode.Parse((await OkAsync("status", table, "--report", "compaction-jobs", "--format", "json")).Output)!.AsArray();
        return jobs.Count == 1 ? jobs[0]!["state"]!.GetValue<string>() : null;
    }

    /// <summary>Runs exactly the arguments given, without adding this runner's <c>--instance</c>.</summary>
    public Task<Result> RunWithoutInstanceAsync(params string[] args) => RunWithInputAsync(null, args);

    /// <summary>Runs the arguments given, with <paramref name="standardInput"/> as standard input (none if null).</summary>
    public async Task<Result> RunWithInputAsync(string? standardInput, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output, Error = error, Interactive = false, OutputIsTerminal = false,
            OpenStandardInput = () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(standardInput ?? "")),
        };
        var status = await SleeperCli.RunAsync(args, context);
        return new Result(status, output.ToString(), error.ToString());
    }

    public async Task<Result> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.Status == 0, $"sleeper {string.Join(' ', args)} failed with {result.Status}: {result.Error}");
        return result;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public sealed record Result(int Status, string Output, string Error)
    {
        public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
