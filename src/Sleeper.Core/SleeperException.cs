namespace Sleeper.Core;

/// <summary>An error a user can cause or act on; its message names what was wrong.</summary>
public class SleeperException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A schema that does not parse or breaks the schema rules.</summary>
public sealed class SchemaException(string message) : SleeperException(message);

/// <summary>A property that is unknown or whose value does not parse.</summary>
public sealed class PropertyException(string message) : SleeperException(message);

/// <summary>A row or value that does not match the table's schema.</summary>
public sealed class RowValidationException(string message) : SleeperException(message);

/// <summary>A table that does not exist, or already exists.</summary>
public sealed class TableNotFoundException(string name) : SleeperException($"Table '{name}' does not exist.")
{
    public string TableName { get; } = name;
}

/// <summary>Thrown when a table of that name already exists.</summary>
public sealed class TableAlreadyExistsException(string name) : SleeperException($"Table '{name}' already exists.")
{
    public string TableName { get; } = name;
}

/// <summary>Text input (rows, split points, a schema or properties file) holding bytes that are not UTF-8.</summary>
public sealed class InvalidUtf8Exception(string source, long line, long byteOffset, string bytes)
    : SleeperException($"{source} line {line} (byte offset {byteOffset}): bytes {bytes} are not valid UTF-8. Text input must be UTF-8; nothing was stored.")
{
    public long Line { get; } = line;

    public long ByteOffset { get; } = byteOffset;
}
