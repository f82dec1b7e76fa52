namespace Sleeper.TestSupport;

/// <summary>A fresh folder under the system temp folder for one test, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("sleeper-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>A file name inside the folder.</summary>
    public string File(string name) => Combine(name);

    /// <summary>The names of the files directly in the folder, in ordinal order.</summary>
    public string[] Names() => Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file; a leftover temp folder harms nothing.
        }
    }
}
