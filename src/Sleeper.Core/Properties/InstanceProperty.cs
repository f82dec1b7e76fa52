namespace Sleeper.Core.Properties;

/// <summary>The instance properties of an embedded or distributed instance.</summary>
public static class InstanceProperty
{
    public static readonly PropertyDefinition Id = PropertyDefinition.Text(
        "sleeper.id", null, "The instance's id, set when it is created.");

    public static readonly PropertyDefinition SnapshotEveryTransactions = PropertyDefinition.NonNegativeInt(
        "sleeper.statestore.snapshot.every.transactions", 500,
        "Write a state store snapshot every this many transactions (0: never).");

    public static readonly PropertyDefinition SnapshotLoadWhenBehindBy = PropertyDefinition.PositiveInt(
        "sleeper.statestore.snapshot.load.behind.transactions", 100,
        "Load the newest snapshot instead of replaying once this many transactions behind.");

    public static readonly PropertyDefinition DeleteBehindSnapshotMinAgeMinutes = PropertyDefinition.NonNegativeInt(
        "sleeper.statestore.transactionlog.delete.behind.snapshot.min.age.minutes", 2,
        "Transactions behind a snapshot at least this many minutes old are deleted after each automatic snapshot.");

    public static readonly PropertyDefinition PartitionSplittingFilesMaximum = PropertyDefinition.PositiveInt(
        "sleeper.partition.splitting.files.maximum", 50,
        "Partition splitting reads at most this many sketch files per partition.");

    public static readonly PropertyDefinition IteratorsAssemblyPath = PropertyDefinition.Text(
        "sleeper.iterators.assembly.path", null,
        "Comma-separated paths of .NET assemblies holding the custom iterator classes that tables name in sleeper.table.iterator.class.name.");

    public static readonly PropertyDefinition IngestScratchFolder = PropertyDefinition.Text(
        "sleeper.ingest.scratch.folder", null,
        "Local folder where ingest and bulk import spill sorted runs when their memory budget is full (default: the system's temporary folder); sleeper gc removes what killed processes left there.");

    public static readonly IReadOnlyList<PropertyDefinition> All =
        [Id, IngestScratchFolder, SnapshotEveryTransactions, SnapshotLoadWhenBehindBy, DeleteBehindSnapshotMinAgeMinutes, PartitionSplittingFilesMaximum,
         IteratorsAssemblyPath];
}
