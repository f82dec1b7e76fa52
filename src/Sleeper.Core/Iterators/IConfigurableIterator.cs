using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// An iterator that is created by name (a custom iterator in <c>sleeper.table.iterator.class.name</c>) and then
/// given its configuration string and the table's schema, before it is applied.
/// </summary>
public interface IConfigurableIterator : ISortedBatchIterator
{
    /// <summary>Throws <see cref="PropertyException"/> or <see cref="SleeperException"/> if the configuration is wrong.</summary>
    void Init(string config, TableSchema schema);
}
