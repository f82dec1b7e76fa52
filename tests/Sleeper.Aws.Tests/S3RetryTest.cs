using System.Diagnostics;
using System.Text;

namespace Sleeper.Aws.Tests;

/// <summary>Transient failures are retried with back-off, and what stays broken becomes a clear error, on a scripted server.</summary>
public sealed class S3RetryTest
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("0123456789");

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_until_the_server_answers()
    {
        using var server = new FlakyS3Server(async (n, request, response) =>
        {
            switch (n)
            {
                case 1:
                    await FlakyS3Server.ErrorAsync(request, response, 503, "SlowDown");
                    break;
                case 2:
                    await FlakyS3Server.ErrorAsync(request, response, 500, "InternalError");
                    break;
                default:
                    AnswerHead(response);
                    break;
            }
        });
        using var store = NewStore(server);

        var info = await store.GetInfoAsync("t1/a.bin");

        Assert.Equal(10, info!.Size);
        Assert.Equal(3, server.Requests);
        Assert.Equal(1, store.Requests.Current.Head);
    }

    [Fact]
    public async Task A_body_cut_short_is_fetched_again()
    {
        using var server = new FlakyS3Server(async (n, request, response) =>
        {
            if (request.HttpMethod == "HEAD")
            {
                AnswerHead(response);
                return;
            }
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes 0-9/{Content.Length}";
            response.ContentLength64 = Content.Length;
            if (n == 2)
            {
                // The first GET: three bytes, then the connection drops.
                await response.OutputStream.WriteAsync(Content.AsMemory(0, 3));
                await response.OutputStream.FlushAsync();
                response.Abort();
                return;
            }
            await response.OutputStream.WriteAsync(Content);
            response.Close();
        });
        using var store = NewStore(server);

        await using var stream = await store.OpenReadAsync("t1/a.bin");
        using var reader = new StreamReader(stream);

        Assert.Equal("0123456789", await reader.ReadToEndAsync());
        Assert.Equal(2, store.Requests.Current.Get);
    }

    [Fact]
    public async Task A_server_that_keeps_failing_is_a_clear_error_after_the_retries()
    {
        using var server = new FlakyS3Server((_, request, response) => FlakyS3Server.ErrorAsync(request, response, 503, "SlowDown"));
        using var store = NewStore(server);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<S3StoreException>(() => store.WriteAllBytesAsync("t1/a.bin", Content));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(S3FailureKind.Failed, e.Kind);
        Assert.Contains("503 SlowDown", e.Message, StringComparison.Ordinal);
        Assert.Contains("after retries", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Requests);
    }

    private static S3ObjectStore NewStore(FlakyS3Server server) =>
        new("bucket", "p", new S3ObjectStoreOptions { Endpoint = server.Endpoint, MaxRetries = 3 }, new Amazon.Runtime.BasicAWSCredentials("KEY", "SECRET"));

    private static void AnswerHead(System.Net.HttpListenerResponse response)
    {
        response.StatusCode = 200;
        response.ContentLength64 = Content.Length;
        response.Headers["Last-Modified"] = DateTime.UtcNow.ToString("R");
        response.Headers["ETag"] = "\"abc\"";
        response.Close();
    }
}
