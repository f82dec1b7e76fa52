using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Sleeper.Cli;

/// <summary>
/// The log of the command line's workers and jobs, on standard error so results on standard output stay clean. One
/// line per event with a UTC timestamp by default; <c>SLEEPER_LOG_FORMAT=json</c> writes one JSON object per event
/// (the message template's values as fields), for a fleet whose logs are collected and searched.
/// <c>SLEEPER_LOG_LEVEL</c> overrides the least level written; <c>sleeper serve</c> also takes the "Logging" section of
/// its appsettings.json (levels by category, as any .NET host does).
/// </summary>
public static class CliLogging
{
    public static ILoggerFactory Create(LogLevel defaultLevel, Microsoft.Extensions.Configuration.IConfiguration? configuration = null) => LoggerFactory.Create(builder =>
    {
        var explicitLevel = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("SLEEPER_LOG_LEVEL"), ignoreCase: true, out var given);
        var level = explicitLevel ? given : defaultLevel;
        builder.SetMinimumLevel(level);
        if (!explicitLevel)
        {
            // ASP.NET Core logs every request at Information: warnings only, as its own templates default to,
            // unless SLEEPER_LOG_LEVEL or appsettings.json asks for more.
            builder.AddFilter("Microsoft.AspNetCore", level > LogLevel.Warning ? level : LogLevel.Warning);
        }
        if (configuration is not null)
        {
            builder.AddConfiguration(configuration);
        }
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        if (string.Equals(Environment.GetEnvironmentVariable("SLEEPER_LOG_FORMAT"), "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    });
}
