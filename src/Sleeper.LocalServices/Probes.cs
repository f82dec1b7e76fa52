using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sleeper.LocalServices;

/// <summary>Free ports, and the trivial requests that show a server answers rather than merely listens.</summary>
internal static class Probes
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(3) };

    /// <summary>A port nothing listens on at 127.0.0.1 right now. Another process may take it before the server binds it: callers retry.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends PostgreSQL's SSLRequest, the first message of any connection, and expects its one-byte answer ('S' or 'N'):
    /// a real PostgreSQL protocol exchange without a client library or credentials.
    /// </summary>
    public static async Task<bool> PostgresAnswersAsync(int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            var request = new byte[8];
            BinaryPrimitives.WriteInt32BigEndian(request, 8);
            BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), 80877103);
            await stream.WriteAsync(request, timeout.Token);
            var answer = new byte[1];
            var read = await stream.ReadAsync(answer, timeout.Token);
            return read == 1 && answer[0] is (byte)'S' or (byte)'N';
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>An HTTP GET of the service root; any HTTP response at all (s3rver lists the buckets) counts as answering.</summary>
    public static async Task<bool> HttpAnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{port}/"), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }
}
