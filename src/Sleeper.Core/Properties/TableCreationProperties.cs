namespace Sleeper.Core.Properties;

/// <summary>
/// The properties given when a table is created, from a properties file (Sleeper's own table.properties among
/// them) or assignments: the table properties to store, the settings that shape the creation and are not stored
/// (name, split points file, online), and a warning for each of Sleeper's properties that has no effect here.
/// </summary>
public sealed class TableCreationProperties
{
    private readonly List<string> _warnings = [];
    private string? _tableNameSource;
    private string? _splitsFileSource;

    public SleeperProperties Properties { get; } = SleeperProperties.ForTable();

    /// <summary>The value of sleeper.table.name, if given.</summary>
    public string? TableName { get; private set; }

    /// <summary>The split points file named by sleeper.table.splits.file, as a full path, if given.</summary>
    public string? SplitsFile { get; private set; }

    public bool Online { get; private set; } = true;

    /// <summary>One line for each property accepted without effect, naming it and where it was set.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Loads properties-file text; a relative sleeper.table.splits.file is taken from the file's folder, as Sleeper does.</summary>
    public void LoadFile(string text, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var (lineNumber, name, value) in SleeperProperties.Parse(text, path))
        {
            var where = $"{path} line {lineNumber}";
            try
            {
                Set(name, value, folder, where);
            }
            catch (PropertyException e)
            {
                throw new PropertyException($"{where}: {e.Message}");
            }
        }
    }

    /// <summary>Applies "K=V" as given on a command line; a relative split points file is taken from the working folder.</summary>
    public void SetFromAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            throw new PropertyException($"'{assignment}' is not of the form property.name=value.");
        }
        Set(assignment[..eq].Trim(), assignment[(eq + 1)..], Directory.GetCurrentDirectory(), $"--property {assignment[..eq].Trim()}");
    }

    /// <summary>Throws unless sleeper.table.name, when given, is the name the table is being created with.</summary>
    public void CheckTableName(string tableName)
    {
        if (TableName is not null && TableName != tableName)
        {
            throw new PropertyException(
                $"{_tableNameSource}: {TableProperty.TableName.Name} is '{TableName}' but the table being created is '{tableName}'. " +
                "Give the same name, or remove the property.");
        }
    }

    /// <summary>
    /// The split points file to use: the one given on the command line or by sleeper.table.splits.file. Both may be
    /// given only if they are the same file, since two different sets of split points cannot both be the table's.
    /// </summary>
    public string? ChooseSplitsFile(string? commandLineFile)
    {
        if (commandLineFile is null)
        {
            return SplitsFile;
        }
        if (SplitsFile is not null && Path.GetFullPath(commandLineFile) != SplitsFile)
        {
            throw new PropertyException(
                $"--split-points {commandLineFile} conflicts with {TableProperty.SplitsFile.Name}={SplitsFile} ({_splitsFileSource}). Give one of them.");
        }
        return commandLineFile;
    }

    private void Set(string name, string value, string folder, string where)
    {
        value = value.Trim();
        if (name == TableProperty.TableName.Name)
        {
            TableName = value;
            _tableNameSource = where;
        }
        else if (name == TableProperty.SplitsFile.Name)
        {
            // Sleeper leaves an empty value meaning "no splits file".
            SplitsFile = value.Length == 0 ? null : Path.GetFullPath(value, folder);
            _splitsFileSource = where;
        }
        else if (name == TableProperty.Online.Name)
        {
            TableProperty.Online.Validate(value);
            Online = bool.Parse(value);
        }
        else if (TableProperty.NoEffectHere.Contains(name))
        {
            _warnings.Add($"Warning: {where}: {name} has no effect in this implementation; ignored.");
        }
        else if (Properties.IsDefined(name))
        {
            Properties.Set(name, value);
        }
        else
        {
            var known = Properties.Definitions.Select(d => d.Name)
                .Concat(TableProperty.CreationOnly.Select(d => d.Name)).Concat(TableProperty.NoEffectHere);
            throw new PropertyException($"Unknown property '{name}'.{SleeperProperties.Suggest(name, known)}");
        }
    }
}
