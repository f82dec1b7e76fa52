namespace Sleeper.Core.Storage;

/// <summary>
/// Offers several input stores as one: each path goes to the first store that accepts it. The composition root
/// builds one from the local store and, where configured, the S3 one, and hands it to ingest, bulk import and
/// the batcher.
/// </summary>
public sealed class RoutingInputFileStore : IInputFileStore
{
    private readonly IReadOnlyList<IInputFileStore> _stores;

    public RoutingInputFileStore(params IReadOnlyList<IInputFileStore> stores)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stores.Count);
        _stores = stores;
    }

    public bool Accepts(string path) => _stores.Any(s => s.Accepts(path));

    public Task<ResolvedInputPath> ResolveAsync(string path, CancellationToken cancellationToken = default) =>
        StoreFor(path).ResolveAsync(path, cancellationToken);

    public Stream OpenRead(InputFile file) => StoreFor(file.Path).OpenRead(file);

    public string? LocalPathOf(InputFile file) => StoreFor(file.Path).LocalPathOf(file);

    private IInputFileStore StoreFor(string path) =>
        _stores.FirstOrDefault(s => s.Accepts(path))
        ?? throw new SleeperException(InputPaths.SchemeOf(path) is { } scheme
            ? $"Cannot read input {path}: this process was not set up to read {scheme}:// inputs."
            : $"Cannot read input {path}: this process was not set up to read local paths.");
}
