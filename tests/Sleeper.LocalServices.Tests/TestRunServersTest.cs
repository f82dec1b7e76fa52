using System.Net;
using System.Net.Sockets;

namespace Sleeper.LocalServices.Tests;

/// <summary>
/// The servers ./test.sh starts for every test of the distributed mode are there and answer, at the addresses
/// <see cref="LocalServers"/> gives. Outside ./test.sh this fails, as every test that needs a server does.
/// </summary>
public sealed class TestRunServersTest
{
    [Fact]
    public async Task The_s3_server_from_the_environment_answers()
    {
        using var http = new HttpClient();
        var buckets = await http.GetStringAsync(LocalServers.S3Endpoint);

        Assert.Contains("ListAllMyBucketsResult", buckets);
    }

    [Fact]
    public async Task The_postgres_server_from_the_environment_accepts_connections()
    {
        var parts = LocalServers.PostgresConnectionString.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Parse(parts["Host"]), int.Parse(parts["Port"], System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(client.Connected);
        Assert.Equal("postgres", parts["Username"]);
    }
}
