using System.Text;

namespace Sleeper.Core.Storage;

/// <summary>Small text objects (properties, schemas, snapshots) read whole through the storage port.</summary>
public static class ObjectStoreText
{
    /// <summary>The object's content as UTF-8 text; <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    public static async Task<string> ReadAllTextAsync(this IObjectStore store, string name, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
