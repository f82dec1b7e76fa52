namespace Sleeper.Compaction.Tests.Iterator;

/// <summary>A class that does not implement the iterator interface, for the loader's error message.</summary>
public sealed class NotAnIterator
{
}
