namespace Sleeper.Instance;

/// <summary>Shorthands for the embedded default: an instance that is a folder, with everything in files.</summary>
public static class EmbeddedInstance
{
    public const string PropertiesFileName = SleeperInstance.PropertiesFileName;

    public static bool Exists(string root) => SleeperInstance.Exists(root);

    /// <summary>Makes a new instance folder; an error if one is already there.</summary>
    public static Task<SleeperInstance> CreateAsync(string root, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        SleeperInstance.CreateAsync(Path.GetFullPath(root), time: time, cancellationToken: cancellationToken);

    /// <summary>Opens an existing instance folder.</summary>
    public static SleeperInstance Open(string root, TimeProvider? time = null) => SleeperInstance.OpenFolder(root, time);
}
