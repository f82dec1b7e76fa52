using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// Creates custom iterators by class name from the assemblies named in the instance property
/// <c>sleeper.iterators.assembly.path</c>. Each assembly is loaded once per process into its own load context,
/// so its private dependencies stay apart, while the assemblies this process already has (Sleeper's own,
/// Arrow) are shared so that the iterator interfaces are the same types on both sides.
/// </summary>
public sealed class IteratorLoader
{
    private static readonly ConcurrentDictionary<string, Lazy<Assembly>> Loaded = new(StringComparer.Ordinal);

    private readonly IReadOnlyList<string> _assemblyPaths;

    public IteratorLoader(IEnumerable<string> assemblyPaths)
    {
        _assemblyPaths = assemblyPaths.Select(p => Path.GetFullPath(p)).ToList();
    }

    /// <summary>A loader for the assemblies an instance's properties name (none if the property is unset).</summary>
    public static IteratorLoader FromInstanceProperties(SleeperProperties instanceProperties) =>
        new((instanceProperties.Get(InstanceProperty.IteratorsAssemblyPath) ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    public IReadOnlyList<string> AssemblyPaths => _assemblyPaths;

    /// <summary>
    /// Creates an instance of the class (full name, or simple name if that is unambiguous), which must implement
    /// <see cref="IConfigurableIterator"/> and have a public constructor without parameters, and initialises it.
    /// </summary>
    /// <param name="source">
    /// What named the class, for errors: the table property by default, or e.g. a query's
    /// <c>queryTimeIteratorClassName</c>, so that the message points at what the user has to change.
    /// </param>
    public IConfigurableIterator Create(string className, string? config, TableSchema schema, string? source = null)
    {
        var property = source ?? $"table property {TableProperty.IteratorClassName.Name}";
        // Messages start with the source: "Property x: …" or "Query's queryTimeIteratorClassName: …".
        property = char.ToUpperInvariant(property[0]) + property[1..];
        if (_assemblyPaths.Count == 0)
        {
            throw new SleeperException($"{property} names iterator class '{className}', but no assembly to load it from is set in instance property {InstanceProperty.IteratorsAssemblyPath.Name}.");
        }
        var matches = new List<Type>();
        foreach (var path in _assemblyPaths)
        {
            var assembly = Load(path);
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                types = e.Types.Where(t => t is not null).ToArray()!;
            }
            matches.AddRange(types.Where(t => t.FullName == className || (!className.Contains('.') && t.Name == className)));
        }
        if (matches.Count == 0)
        {
            throw new SleeperException($"{property}: iterator class '{className}' is not in {string.Join(", ", _assemblyPaths.Select(p => $"'{p}'"))}.");
        }
        if (matches.Count > 1)
        {
            throw new SleeperException($"{property}: iterator class name '{className}' is ambiguous: {string.Join(", ", matches.Select(t => t.FullName))}; give the full name.");
        }
        var type = matches[0];
        if (!typeof(IConfigurableIterator).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new SleeperException($"{property}: class '{type.FullName}' in '{type.Assembly.Location}' is not a concrete {nameof(IConfigurableIterator)} (derive from {nameof(RowIterator)} or implement {typeof(IConfigurableIterator).FullName}).");
        }
        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new SleeperException($"{property}: iterator class '{type.FullName}' has no public constructor without parameters.");
        }
        IConfigurableIterator iterator;
        try
        {
            iterator = (IConfigurableIterator)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException e)
        {
            throw new SleeperException($"{property}: creating iterator '{type.FullName}' failed: {e.InnerException?.Message}", e.InnerException);
        }
        iterator.Init(config ?? "", schema);
        return iterator;
    }

    private static Assembly Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SleeperException($"Iterator assembly '{path}' (instance property {InstanceProperty.IteratorsAssemblyPath.Name}) does not exist.");
        }
        var lazy = Loaded.GetOrAdd(path, p => new Lazy<Assembly>(() => new IteratorLoadContext(p).LoadFromAssemblyPath(p)));
        try
        {
            return lazy.Value;
        }
        catch (BadImageFormatException e)
        {
            Loaded.TryRemove(path, out _);
            throw new SleeperException($"Iterator assembly '{path}' is not a .NET assembly: {e.Message}", e);
        }
    }

    /// <summary>Resolves an iterator assembly's own dependencies beside it, and everything this process already has from the default context.</summary>
    private sealed class IteratorLoadContext(string path) : AssemblyLoadContext($"iterators:{path}")
    {
        private readonly string _directory = Path.GetDirectoryName(path)!;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Shared contracts (Sleeper.Core, Apache.Arrow) must come from the default context, or the iterator's
            // interface would be a different type from ours.
            if (Default.Assemblies.Any(a => AssemblyName.ReferenceMatchesDefinition(assemblyName, a.GetName())))
            {
                return null;
            }
            try
            {
                if (Default.LoadFromAssemblyName(assemblyName) is { } shared)
                {
                    return shared;
                }
            }
            catch (FileNotFoundException)
            {
                // Not one of ours: look beside the iterator assembly.
            }
            var beside = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(beside) ? LoadFromAssemblyPath(beside) : null;
        }
    }
}
