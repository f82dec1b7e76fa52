using System.Diagnostics;
using System.Text;

namespace Sleeper.LocalServices.Processes;

/// <summary>The outcome of a command run to its end: its exit status and what it wrote (both streams, interleaved).</summary>
public sealed record CommandResult(int ExitCode, string Output)
{
    /// <summary>The last lines of the output, for an error message.</summary>
    public string Tail(int lines = 15) => string.Join('\n', Output.TrimEnd().Split('\n').TakeLast(lines));
}

/// <summary>Runs a command to its end with its output captured, killing it when cancelled or over time.</summary>
internal static class CommandRunner
{
    public static async Task<CommandResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null,
        TextWriter? echo = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(e.Data);
                echo?.WriteLine(e.Data);
            }
        }
        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LocalServicesException($"Could not run '{program}': {e.Message}. Is it installed and on the PATH?", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new LocalServicesException(
                $"'{program} {string.Join(' ', info.ArgumentList)}' did not finish within {timeout.TotalSeconds:F0} s and was stopped. Its last output:\n{new CommandResult(-1, output.ToString()).Tail()}");
        }
        // The parameterless wait drains the asynchronous readers, so the output is complete.
        process.WaitForExit();
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }
    }
}
