using System.CommandLine;
using Sleeper.Instance;

namespace Sleeper.Cli;

/// <summary>The options every command shares, and how a command finds its instance.</summary>
public sealed class CliContext
{
    public Option<string?> InstanceOption { get; } = new("--instance")
    {
        Description = "The instance: a folder (embedded) or s3://BUCKET/PREFIX (on services). Default: $SLEEPER_INSTANCE, else ./sleeper-instance",
        Recursive = true,
    };

    public Option<bool> VerboseOption { get; } = new("--verbose")
    {
        Description = "Show details of errors, including stack traces",
        Recursive = true,
    };

    public TextWriter Out { get; init; } = Console.Out;

    /// <summary>
    /// Where workers and jobs log, structured (<see cref="CliLogging"/>): standard error in the real program, nowhere
    /// in tests that build their own context.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory Logging { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Standard input, for commands that read a file named "-"; tests give their own.</summary>
    public Func<Stream> OpenStandardInput { get; init; } = Console.OpenStandardInput;

    /// <summary>Progress bars and chatter only when standard error is a terminal, so piped output stays clean.</summary>
    public bool Interactive { get; init; } = !Console.IsErrorRedirected;

    /// <summary>Tables by default on a terminal; JSON lines when piped.</summary>
    public bool OutputIsTerminal { get; init; } = !Console.IsOutputRedirected;

    /// <summary>
    /// The clock every command runs by. The crash harness runs its recovery commands in-process with a clock moved
    /// past every lease and delay, to stand for the time a real operator would wait before rerunning them.
    /// </summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where <c>sleeper services</c> keeps its servers; null for the default (<c>$SLEEPER_SERVICES_HOME</c>, else the checkout's <c>.cache/services</c>).</summary>
    public LocalServices.ServicesLayout? ServicesLayout { get; init; }

    public string InstanceLocation(ParseResult result) =>
        result.GetValue(InstanceOption) is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable("SLEEPER_INSTANCE") is { Length: > 0 } env ? env
        : "sleeper-instance";

    /// <summary>Opens the instance the command names, through the one composition root.</summary>
    public Task<SleeperInstance> OpenInstanceAsync(ParseResult result, CancellationToken cancellationToken) =>
        SleeperInstance.OpenAsync(InstanceLocation(result), Time, cancellationToken, Logging);

    public void Chatter(string message)
    {
        if (Interactive)
        {
            Error.WriteLine(message);
        }
    }
}
