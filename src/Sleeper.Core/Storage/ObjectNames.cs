namespace Sleeper.Core.Storage;

/// <summary>
/// The rules every adapter of <see cref="IObjectStore"/> applies to names, in one place so that a name valid on
/// one backend is valid on all: relative, '/'-separated, and no empty, '.', '..' or hidden (dot-first) segment,
/// no backslash and no NUL. Hidden names are refused because the embedded adapter keeps staging and temporary
/// files under them; refusing them everywhere keeps an instance portable between backends.
/// </summary>
public static class ObjectNames
{
    /// <summary>Throws <see cref="InvalidObjectNameException"/> naming the reason when <paramref name="name"/> breaks a rule.</summary>
    public static void Check(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidObjectNameException(name ?? "", "it is empty");
        }
        if (name.StartsWith('/') || Path.IsPathRooted(name))
        {
            throw new InvalidObjectNameException(name, "it is absolute");
        }
        CheckSegments(name, name.Split('/'));
    }

    /// <summary>Whether <paramref name="name"/> keeps every rule: an adapter listing keys that others wrote skips those that do not.</summary>
    public static bool IsValid(string name)
    {
        try
        {
            Check(name);
            return true;
        }
        catch (InvalidObjectNameException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks a listing prefix: as a name, except that it may be empty (everything) and its last segment is a
    /// partial name that may be empty (<c>"&lt;tableId&gt;/data/"</c>).
    /// </summary>
    public static void CheckPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return;
        }
        if (prefix.StartsWith('/') || Path.IsPathRooted(prefix))
        {
            throw new InvalidObjectNameException(prefix, "it is absolute");
        }
        var segments = prefix.Split('/');
        CheckSegments(prefix, segments[..^1]);
        if (segments[^1].StartsWith('.') || segments[^1].Contains('\\', StringComparison.Ordinal) || segments[^1].Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidObjectNameException(prefix, "its last segment starts with '.' or holds a backslash or a NUL");
        }
    }

    private static void CheckSegments(string name, IEnumerable<string> segments)
    {
        foreach (var segment in segments)
        {
            var reason = segment switch
            {
                "" => "it has an empty segment",
                "." or ".." => $"it has a '{segment}' segment",
                _ when segment.StartsWith('.') => $"its segment '{segment}' is hidden (starts with '.')",
                _ when segment.Contains('\\', StringComparison.Ordinal) => "it holds a backslash; names use '/'",
                _ when segment.Contains('\0', StringComparison.Ordinal) => "it holds a NUL character",
                _ => null,
            };
            if (reason is not null)
            {
                throw new InvalidObjectNameException(name, reason);
            }
        }
    }
}
