using Sleeper.Core;

namespace Sleeper.Client;

/// <summary>
/// A query the table cannot answer as asked: a key of the wrong type or count, a null key, an unknown field, an
/// empty or backwards range. Thrown before anything is read, with a message naming the table and the field.
/// </summary>
public sealed class InvalidQueryException(string message) : SleeperException(message);
