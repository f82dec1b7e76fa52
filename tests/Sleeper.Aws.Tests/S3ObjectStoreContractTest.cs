using Sleeper.Core.Storage;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Aws.Tests;

/// <summary>The S3 adapter of the storage port against the port's contract, on the local S3 server; a bucket for the class, a prefix per test.</summary>
public sealed class S3ObjectStoreContractTest(S3TestBucket bucket) : ObjectStoreContract, IClassFixture<S3TestBucket>
{
    /// <summary>Over the test bucket's multipart threshold of 5 MiB, in three parts.</summary>
    protected override int LargeObjectSize => 12 * 1024 * 1024;

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(bucket.NewStore());
}
