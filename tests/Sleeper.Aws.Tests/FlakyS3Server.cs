using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sleeper.Aws.Tests;

/// <summary>
/// A tiny HTTP server on loopback that answers S3 requests from a script, to show what the store does on
/// failures a real server gives only under load: throttling, server errors, a body cut short. The script gets
/// the request's number (from 1), method and headers, and answers it.
/// </summary>
public sealed class FlakyS3Server : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<int, HttpListenerRequest, HttpListenerResponse, Task> _script;
    private readonly Task _loop;
    private int _requests;

    public FlakyS3Server(Func<int, HttpListenerRequest, HttpListenerResponse, Task> script)
    {
        _script = script;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Endpoint { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>An S3 error answer: status, and the XML body S3 sends (none for a HEAD).</summary>
    public static async Task ErrorAsync(HttpListenerRequest request, HttpListenerResponse response, int status, string code)
    {
        response.StatusCode = status;
        if (request.HttpMethod != "HEAD")
        {
            var body = Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{code} from the test server</Message></Error>");
            response.ContentType = "application/xml";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body);
        }
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener.
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var number = Interlocked.Increment(ref _requests);
            try
            {
                await _script(number, context.Request, context.Response);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away, or the script cut the connection on purpose.
            }
        }
    }
}
