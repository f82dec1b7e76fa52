using Sleeper.Cli.Commands;

namespace Sleeper.Cli.Tests;

/// <summary>The optional appsettings.json of sleeper serve, beside a folder instance.</summary>
public sealed class ServeSettingsTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Settings_beside_the_instance_are_read_and_none_is_needed()
    {
        await _cli.OkAsync("instance", "create");
        Assert.Null(ServeSettings.Load(_cli.Instance)["HostOptions:ShutdownTimeout"]);
        await File.WriteAllTextAsync(Path.Combine(_cli.Instance, ServeSettings.FileName),
            """{"HostOptions": {"ShutdownTimeout": "00:01:00"}, "Logging": {"LogLevel": {"Sleeper.Scheduler": "Debug"}}}""");
        var settings = ServeSettings.Load(_cli.Instance);
        Assert.Equal("00:01:00", settings["HostOptions:ShutdownTimeout"]);
        Assert.Equal("Debug", settings["Logging:LogLevel:Sleeper.Scheduler"]);
        // An instance in a bucket has no folder to hold one: only the working folder's counts.
        Assert.Null(ServeSettings.Load("s3://bucket/prefix")["HostOptions:ShutdownTimeout"]);
    }
}
