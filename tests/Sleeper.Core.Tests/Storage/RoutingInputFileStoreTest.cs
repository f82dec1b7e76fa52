using Sleeper.Core;
using Sleeper.Core.Storage;
using Xunit;

namespace Sleeper.Core.Tests.Storage;

public sealed class RoutingInputFileStoreTest
{
    [Theory]
    [InlineData("s3://bucket/key", "s3")]
    [InlineData("S3://bucket/prefix/", "s3")]
    [InlineData("gs://bucket/key", "gs")]
    [InlineData("/data/in.csv", null)]
    [InlineData("relative/in.csv", null)]
    [InlineData("C:/data/in.csv", null)]
    [InlineData("file-with-colon:name.csv", null)]
    public void A_path_with_a_scheme_is_a_URI_and_one_without_is_local(string path, string? scheme) =>
        Assert.Equal(scheme, InputPaths.SchemeOf(path));

    [Fact]
    public async Task Each_path_goes_to_the_first_store_that_accepts_it()
    {
        var s3 = new NamedStore("s3://");
        var local = new NamedStore("/");
        var routed = new RoutingInputFileStore(s3, local);

        Assert.Equal("s3://", Assert.Single((await routed.ResolveAsync("s3://b/k")).Files).Path[..5]);
        Assert.Equal("/x", Assert.Single((await routed.ResolveAsync("/x")).Files).Path);
        Assert.Equal(["s3://b/k"], s3.Resolved);
        Assert.Equal(["/x"], local.Resolved);
        Assert.True(routed.Accepts("/y"));
        Assert.False(routed.Accepts("gs://b/k"));
    }

    [Fact]
    public async Task A_path_no_store_accepts_is_an_error_naming_it_and_its_scheme()
    {
        var routed = new RoutingInputFileStore(new NamedStore("/"));

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => routed.ResolveAsync("gs://bucket/key.csv"));

        Assert.Equal("Cannot read input gs://bucket/key.csv: this process was not set up to read gs:// inputs.", error.Message);
    }

    /// <summary>Accepts paths with one prefix and names each one's single file after it.</summary>
    private sealed class NamedStore(string prefix) : IInputFileStore
    {
        public List<string> Resolved { get; } = [];

        public bool Accepts(string path) => path.StartsWith(prefix, StringComparison.Ordinal);

        public Task<ResolvedInputPath> ResolveAsync(string path, CancellationToken cancellationToken = default)
        {
            Resolved.Add(path);
            return Task.FromResult(new ResolvedInputPath(path, false, [new InputFile(path, 1)]));
        }

        public Stream OpenRead(InputFile file) => new MemoryStream([1]);

        public string? LocalPathOf(InputFile file) => null;
    }
}
