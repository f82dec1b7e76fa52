namespace Sleeper.Server.Tests;

/// <summary>One server with <see cref="ApiTable"/> made and filled, shared by the tests of a class that only read it.</summary>
public sealed class FilledServer : IAsyncLifetime
{
    private ServerFixture? _server;

    public ServerFixture Server => _server ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { WebSocketBatchRows = 7 } });
        await ApiTable.CreateAsync(_server);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
