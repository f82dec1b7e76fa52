using System.Net;
using System.Net.Sockets;

namespace Sleeper.Postgres.Tests;

/// <summary>
/// A TCP proxy on loopback in front of the test server, which a test can cut (every open connection dropped, as a
/// network failure would) and close to new connections, to see what the adapters do when answers are lost.
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _refusing;

    public CuttableProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every connection through the proxy; with <paramref name="refuseNew"/>, new ones are dropped at once too.</summary>
    public void Cut(bool refuseNew)
    {
        _refusing = refuseNew;
        lock (_open)
        {
            foreach (var client in _open)
            {
                try
                {
                    // A reset, not a polite close: the other end learns of it only as a broken connection.
                    client.Client.LingerState = new LingerOption(true, 0);
                }
                catch (Exception)
                {
                    // Closed already.
                }
                client.Dispose();
            }
            _open.Clear();
        }
    }

    /// <summary>Lets new connections through again.</summary>
    public void Restore() => _refusing = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_refusing)
            {
                inbound.Dispose();
                continue;
            }
            _ = PumpAsync(inbound);
        }
    }

    private async Task PumpAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_targetHost, _targetPort);
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }
            await Task.WhenAny(
                inbound.GetStream().CopyToAsync(outbound.GetStream()),
                outbound.GetStream().CopyToAsync(inbound.GetStream()));
        }
        catch (Exception)
        {
            // A cut connection: nothing to do but close both ends.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Cut(refuseNew: true);
    }
}
