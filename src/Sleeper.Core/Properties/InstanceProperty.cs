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

    public const string FilesBackend = "files";
    public const string PostgresBackend = "postgresql";

    public static readonly PropertyDefinition StateStoreBackend = PropertyDefinition.OneOf(
        "sleeper.statestore.backend", FilesBackend,
        "Where the tables' transaction logs live: files (in the instance folder) or postgresql (sleeper.postgresql.url). Fixed when the instance is created.",
        FilesBackend, PostgresBackend);

    public static readonly PropertyDefinition QueuesBackend = PropertyDefinition.OneOf(
        "sleeper.queues.backend", FilesBackend,
        "Where the job queues live: files (in the instance folder) or postgresql. Fixed when the instance is created.",
        FilesBackend, PostgresBackend);

    public static readonly PropertyDefinition TrackersBackend = PropertyDefinition.OneOf(
        "sleeper.trackers.backend", FilesBackend,
        "Where the table index, the job trackers and the ingest batcher's store live: files (in the instance folder) or postgresql. Fixed when the instance is created.",
        FilesBackend, PostgresBackend);

    public static readonly PropertyDefinition PostgresUrl = PropertyDefinition.Text(
        "sleeper.postgresql.url", null,
        "The PostgreSQL database of the instance's backends, as postgresql://USER@HOST:PORT/DATABASE. Never a password: that comes from PGPASSWORD or ~/.pgpass.");

    public static readonly PropertyDefinition PostgresSchema = PropertyDefinition.Text(
        "sleeper.postgresql.schema", null,
        "The PostgreSQL schema holding the instance's tables (default: sleeper_ and the instance id).");

    public static readonly PropertyDefinition S3Endpoint = PropertyDefinition.Text(
        "sleeper.s3.endpoint", null,
        "The S3-compatible endpoint the instance was created with (path-style addressing); empty for AWS. Processes opening the instance take the endpoint from SLEEPER_S3_ENDPOINT (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL), since they need it to read this file.");

    /// <summary>The properties that say where the instance's state is: changing one would orphan it, so only creation sets them.</summary>
    public static readonly IReadOnlyList<PropertyDefinition> FixedAtCreation =
        [Id, StateStoreBackend, QueuesBackend, TrackersBackend, PostgresUrl, PostgresSchema, S3Endpoint];

    public static readonly IReadOnlyList<PropertyDefinition> All =
        [Id, StateStoreBackend, QueuesBackend, TrackersBackend, PostgresUrl, PostgresSchema, S3Endpoint, IngestScratchFolder, SnapshotEveryTransactions, SnapshotLoadWhenBehindBy, DeleteBehindSnapshotMinAgeMinutes, PartitionSplittingFilesMaximum,
         IteratorsAssemblyPath, .. SchedulerProperty.All, .. ServerProperty.All, .. NotificationProperty.All];
}
