namespace Sleeper.Core.Tables;

/// <summary>A table's entry in the instance's table index: its stable id, its current name, whether it is online.</summary>
public sealed record TableStatus(string TableId, string TableName, bool Online);
