using Microsoft.Extensions.Configuration;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>
/// The optional appsettings.json of <c>sleeper serve</c>: host and logging settings ("Logging", "HostOptions"), from the
/// working folder and then from beside the instance (a folder instance), the later winning. The instance's own
/// behaviour (intervals, limits) stays in its properties, shared by every process that opens it.
/// </summary>
public static class ServeSettings
{
    public const string FileName = "appsettings.json";

    public static IConfigurationRoot Load(string instanceLocation)
    {
        var builder = new ConfigurationBuilder().AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), FileName), optional: true);
        if (InstanceLocation.Parse(instanceLocation) is { IsFolder: true, Folder: { } folder })
        {
            builder.AddJsonFile(Path.Combine(Path.GetFullPath(folder), FileName), optional: true);
        }
        return builder.Build();
    }
}
