using Sleeper.Core;

namespace Sleeper.LocalServices.Tests;

/// <summary>How tests turn the printed settings into what their clients take.</summary>
public sealed class LocalServersTest
{
    [Fact]
    public void The_printed_postgres_url_becomes_an_npgsql_connection_string()
    {
        var settings = new ServicesSettings(S3Port: 4568, PostgresPort: 15432);

        Assert.Equal("Host=127.0.0.1;Port=15432;Username=postgres;Database=postgres", LocalServers.ToConnectionString(settings.PostgresUrl));
    }

    [Fact]
    public void A_password_and_a_database_in_the_url_are_kept()
    {
        Assert.Equal("Host=db.example;Port=5432;Username=me;Password=p w;Database=sleeper",
            LocalServers.ToConnectionString("postgresql://me:p%20w@db.example/sleeper"));
    }

    [Fact]
    public void A_url_that_is_not_postgresql_is_refused_with_the_way_to_get_servers()
    {
        var e = Assert.Throws<SleeperException>(() => LocalServers.ToConnectionString("http://127.0.0.1:5432"));
        Assert.Contains("./test.sh", e.Message);
    }

    [Fact]
    public void The_settings_are_the_five_variables_in_the_documented_order()
    {
        var settings = new ServicesSettings(S3Port: 4568, PostgresPort: 15432);

        Assert.Equal(
            [
                "SLEEPER_S3_ENDPOINT=http://127.0.0.1:4568",
                "SLEEPER_POSTGRES=postgresql://postgres@127.0.0.1:15432/postgres",
                "AWS_ACCESS_KEY_ID=S3RVER",
                "AWS_SECRET_ACCESS_KEY=S3RVER",
                "AWS_REGION=us-east-1",
            ],
            settings.Variables.Select(v => $"{v.Key}={v.Value}"));
        Assert.Equal(new Uri("http://127.0.0.1:4568"), settings.S3Endpoint);
    }
}
