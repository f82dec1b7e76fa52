namespace Sleeper.Core.Tables;

/// <summary>
/// The instance's index of tables: for each table its stable id, its current name and whether it is online.
/// Every process of the instance shares it, so the changes that two processes could race on are atomic:
/// creating a name is a put-if-absent, and renaming fails rather than overwrite a name that is taken.
/// </summary>
/// <remarks>
/// Names follow <see cref="TableNames"/>; a method given a name that breaks the rule throws
/// <see cref="SleeperException"/> before it touches the store. Jobs and files name tables by id, which never
/// changes, so a rename strands nothing.
/// </remarks>
public interface ITableIndex
{
    /// <summary>Every table, in ordinal order of name.</summary>
    Task<IReadOnlyList<TableStatus>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The table of that name, or null when there is none.</summary>
    Task<TableStatus?> GetByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The table with that id, or null when there is none.</summary>
    Task<TableStatus?> GetByIdAsync(string tableId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds the table, unless its name is taken: then nothing changes and the answer is false. Of two creators of
    /// one name at once, exactly one gets true.
    /// </summary>
    Task<bool> TryCreateAsync(TableStatus status, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the table <paramref name="name"/> the name <paramref name="newName"/>, keeping its id and online
    /// state; false, changing nothing, when <paramref name="newName"/> is taken by another table. Renaming a table
    /// to its own name does nothing and answers true.
    /// </summary>
    /// <exception cref="TableNotFoundException">No table is called <paramref name="name"/>.</exception>
    Task<bool> TryRenameAsync(string name, string newName, CancellationToken cancellationToken = default);

    /// <summary>Marks the table online or offline.</summary>
    /// <exception cref="TableNotFoundException">No table is called <paramref name="name"/>.</exception>
    Task SetOnlineAsync(string name, bool online, CancellationToken cancellationToken = default);

    /// <summary>Removes the table from the index; false when no table had that name.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}
