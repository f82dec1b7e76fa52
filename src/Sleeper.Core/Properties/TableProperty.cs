namespace Sleeper.Core.Properties;

/// <summary>The table properties, with Sleeper's names and defaults that suit one machine.</summary>
public static class TableProperty
{
    public static readonly PropertyDefinition CompactionFilesBatchSize = PropertyDefinition.PositiveInt(
        "sleeper.table.compaction.files.batch.size", 12,
        "How many files one compaction job takes at most.");

    public static readonly PropertyDefinition CompactionStrategyClass = new(
        "sleeper.table.compaction.strategy.class", "SizeRatioCompactionStrategy",
        "How compaction jobs are chosen: SizeRatioCompactionStrategy or BasicCompactionStrategy (Sleeper's fully qualified names work too).",
        // Sleeper has moved these classes between packages more than once; the simple name is what chooses.
        v => v[(v.LastIndexOf('.') + 1)..] is "SizeRatioCompactionStrategy" or "BasicCompactionStrategy"
            ? null : "is not SizeRatioCompactionStrategy or BasicCompactionStrategy (optionally with a package prefix)");

    public static readonly PropertyDefinition SizeRatioRatio = PropertyDefinition.PositiveInt(
        "sleeper.table.compaction.strategy.sizeratio.ratio", 3,
        "Size-ratio strategy: a batch is compacted when ratio × the largest file is at most the sum of the others.");

    public static readonly PropertyDefinition SizeRatioMaxConcurrentJobsPerPartition = PropertyDefinition.PositiveInt(
        "sleeper.table.compaction.strategy.sizeratio.max.concurrent.jobs.per.partition", 100000,
        "Size-ratio strategy: at most this many jobs at once in one partition.");

    public static readonly PropertyDefinition PartitionSplittingThreshold = PropertyDefinition.PositiveLong(
        "sleeper.table.partition.splitting.threshold", 1_000_000_000,
        "A leaf partition holding more rows than this is split.");

    public static readonly PropertyDefinition GcDelayMinutes = PropertyDefinition.NonNegativeInt(
        "sleeper.table.gc.delay.minutes", 15,
        "A file with no references is deleted this many minutes after its last update.");

    public static readonly PropertyDefinition CompactionJobStrandedTimeoutMinutes = PropertyDefinition.PositiveInt(
        "sleeper.table.compaction.job.stranded.timeout.minutes", 10,
        "A compaction job whose files are assigned but that no queue holds and no worker has been heard running for this many minutes is sent again (or its files released, if it was dead-lettered).");

    public static readonly PropertyDefinition GcOrphanDelayMinutes = PropertyDefinition.PositiveInt(
        "sleeper.table.gc.orphan.delay.minutes", 24 * 60,
        "A data file that no transaction references (left by a crashed or failed job) is deleted once it is this many minutes old. " +
        "Writers refuse to commit files they began writing more than half this long ago, so keep it above twice the longest job.");

    public static readonly PropertyDefinition RowGroupRowsMax = PropertyDefinition.PositiveInt(
        "sleeper.table.parquet.rowgroup.rows.max", 100_000,
        "The most rows in one Parquet row group.");

    public static readonly PropertyDefinition PageSize = PropertyDefinition.PositiveInt(
        "sleeper.table.parquet.page.size", 128 * 1024,
        "The target size in bytes of a Parquet data page.");

    public static readonly PropertyDefinition CompressionCodec = PropertyDefinition.OneOf(
        "sleeper.table.parquet.compression.codec", "zstd",
        "The Parquet compression codec.",
        "uncompressed", "snappy", "gzip", "lz4", "zstd", "brotli");

    public static readonly PropertyDefinition CompressionLevel = PropertyDefinition.NonNegativeInt(
        "sleeper.table.parquet.compression.level", 3,
        "The compression level, for codecs that have one (zstd 1-22, gzip 1-9, brotli 0-11).");

    public static readonly PropertyDefinition DictionaryEncodingRowKeys = PropertyDefinition.Boolean(
        "sleeper.table.parquet.dictionary.encoding.rowkey.fields", false, "Dictionary-encode row key columns.");

    public static readonly PropertyDefinition DictionaryEncodingSortKeys = PropertyDefinition.Boolean(
        "sleeper.table.parquet.dictionary.encoding.sortkey.fields", false, "Dictionary-encode sort key columns.");

    public static readonly PropertyDefinition DictionaryEncodingValues = PropertyDefinition.Boolean(
        "sleeper.table.parquet.dictionary.encoding.value.fields", false, "Dictionary-encode value columns.");

    public static readonly PropertyDefinition IngestFileWritingStrategy = PropertyDefinition.OneOf(
        "sleeper.table.ingest.file.writing.strategy", "one_reference_per_leaf",
        "one_reference_per_leaf: one sorted file referenced from every leaf it covers; one_file_per_leaf: a file per leaf partition.",
        "one_reference_per_leaf", "one_file_per_leaf");

    public static readonly PropertyDefinition IngestBatchRows = PropertyDefinition.PositiveInt(
        "sleeper.table.ingest.batch.rows", 256 * 1024,
        "Ingest reads and sorts rows in batches of at most this many; each sorted batch is a run of the final merge.");

    public static readonly PropertyDefinition IngestMemoryBytes = PropertyDefinition.ByteSize(
        "sleeper.table.ingest.memory.bytes", 256L * 1024 * 1024,
        "Ingest buffers rows in memory up to about this many bytes (e.g. 256M), then sorts them and spills them to a local sorted run.");

    public static readonly PropertyDefinition BatcherJobMinSize = PropertyDefinition.ByteSize(
        "sleeper.table.ingest.batcher.job.min.size", 1024L * 1024 * 1024,
        "The ingest batcher makes a job once its pending files add up to at least this many bytes (e.g. 1G).");

    public static readonly PropertyDefinition BatcherJobMaxSize = PropertyDefinition.ByteSize(
        "sleeper.table.ingest.batcher.job.max.size", 5L * 1024 * 1024 * 1024,
        "The ingest batcher puts at most this many bytes of files in one job (e.g. 5G).");

    public static readonly PropertyDefinition BatcherJobMinFiles = PropertyDefinition.PositiveInt(
        "sleeper.table.ingest.batcher.job.min.files", 1,
        "The ingest batcher makes a job once at least this many files are pending.");

    public static readonly PropertyDefinition BatcherJobMaxFiles = PropertyDefinition.PositiveInt(
        "sleeper.table.ingest.batcher.job.max.files", 100,
        "The ingest batcher puts at most this many files in one job.");

    public static readonly PropertyDefinition BatcherFileMaxAgeSeconds = PropertyDefinition.NonNegativeInt(
        "sleeper.table.ingest.batcher.file.max.age.seconds", 300,
        "A file pending in the ingest batcher this long is sent in a job even if the size and count minimums are not met.");

    public static readonly PropertyDefinition BatcherIngestQueue = PropertyDefinition.OneOf(
        "sleeper.table.ingest.batcher.ingest.queue", "standard_ingest",
        "Where the ingest batcher sends its jobs: standard_ingest (the ingest queue) or bulk_import (the bulk import queue; Sleeper's bulk_import_emr, bulk_import_emr_serverless, bulk_import_persistent_emr and bulk_import_eks mean the same here).",
        "standard_ingest", "bulk_import", "bulk_import_emr", "bulk_import_emr_serverless", "bulk_import_persistent_emr", "bulk_import_eks");

    public static readonly PropertyDefinition BulkImportMinLeafPartitions = PropertyDefinition.PositiveInt(
        "sleeper.table.bulk.import.min.leaf.partitions", 64,
        "Bulk import first splits the table from sketches of its input when it has fewer leaf partitions than this.");

    public static readonly PropertyDefinition SplitsBase64Encoded = PropertyDefinition.Boolean(
        "sleeper.table.splits.base64.encoded", false,
        "Whether string split points are written in base64 (byte-array split points always are).");

    public static readonly PropertyDefinition Aggregations = PropertyDefinition.Text(
        "sleeper.table.aggregations", null, "Aggregation of rows with equal keys, e.g. sum(count),max(last).");

    public static readonly PropertyDefinition Filters = PropertyDefinition.Text(
        "sleeper.table.filters", null, "Filters applied during compaction, e.g. ageOff(timestamp,86400000).");

    public static readonly PropertyDefinition IteratorClassName = PropertyDefinition.Text(
        "sleeper.table.iterator.class.name", null, "A custom iterator class applied during compaction and queries.");

    public static readonly PropertyDefinition IteratorConfig = PropertyDefinition.Text(
        "sleeper.table.iterator.config", null, "The configuration string of the custom iterator.");

    /// <summary>
    /// The string value field holding each row's access expression (Accumulo's syntax); when set, every query
    /// returns only the rows its authorisations may see. See docs/security.md.
    /// </summary>
    public static readonly PropertyDefinition VisibilityField = PropertyDefinition.Text(
        "sleeper.table.visibility.field", null,
        "A string value field holding each row's access expression, e.g. A&(B|C); queries return only the rows their authorisations satisfy.");

    public static readonly IReadOnlyList<PropertyDefinition> All =
    [
        CompactionFilesBatchSize, CompactionStrategyClass, SizeRatioRatio, SizeRatioMaxConcurrentJobsPerPartition,
        PartitionSplittingThreshold, GcDelayMinutes, GcOrphanDelayMinutes, CompactionJobStrandedTimeoutMinutes, RowGroupRowsMax, PageSize, CompressionCodec, CompressionLevel,
        DictionaryEncodingRowKeys, DictionaryEncodingSortKeys, DictionaryEncodingValues, IngestFileWritingStrategy,
        IngestBatchRows, IngestMemoryBytes, BatcherJobMinSize, BatcherJobMaxSize, BatcherJobMinFiles, BatcherJobMaxFiles,
        BatcherFileMaxAgeSeconds, BatcherIngestQueue, BulkImportMinLeafPartitions, SplitsBase64Encoded, Aggregations, Filters, IteratorClassName, IteratorConfig,
        VisibilityField,
    ];

    /// <summary>Sleeper's name of the table, given in its table.properties; if given it must be the name the table is created with.</summary>
    public static readonly PropertyDefinition TableName = PropertyDefinition.Text(
        "sleeper.table.name", null, "The table's name; when creating a table it must equal the name given.");

    /// <summary>Sleeper's split points file, read once when the table is created.</summary>
    public static readonly PropertyDefinition SplitsFile = PropertyDefinition.Text(
        "sleeper.table.splits.file", null, "A split points file the table starts from, relative to the properties file that names it.");

    public static readonly PropertyDefinition Online = PropertyDefinition.Boolean(
        "sleeper.table.online", true, "Whether the table starts online.");

    /// <summary>Properties that shape the creation of a table and are not stored with it (the name and online state are kept elsewhere).</summary>
    public static readonly IReadOnlyList<PropertyDefinition> CreationOnly = [TableName, SplitsFile, Online];

    /// <summary>
    /// Sleeper's table properties that name something this implementation does not have (its state store classes,
    /// asynchronous commits, the transaction log's DynamoDB tuning, EMR, S3A and DataFusion settings, job sending
    /// over SQS). A table.properties written for Sleeper may set them; they are accepted with a warning, so that a
    /// misspelt name, which is in neither list, can still be an error.
    /// </summary>
    public static readonly IReadOnlySet<string> NoEffectHere = new HashSet<string>(StringComparer.Ordinal)
    {
        "sleeper.table.bulk.import.emr.executor.arm.instance.types",
        "sleeper.table.bulk.import.emr.executor.initial.capacity",
        "sleeper.table.bulk.import.emr.executor.market.type",
        "sleeper.table.bulk.import.emr.executor.max.capacity",
        "sleeper.table.bulk.import.emr.executor.x86.instance.types",
        "sleeper.table.bulk.import.emr.instance.architecture",
        "sleeper.table.bulk.import.emr.master.arm.instance.types",
        "sleeper.table.bulk.import.emr.master.x86.instance.types",
        "sleeper.table.bulk.import.emr.release.label",
        "sleeper.table.bulk.import.job.files.commit.async",
        "sleeper.table.bulk.import.partition.splitting.attempts",
        "sleeper.table.compaction.job.async.commit.batching",
        "sleeper.table.compaction.job.commit.async",
        "sleeper.table.compaction.job.creation.limit",
        "sleeper.table.compaction.job.id.assignment.commit.async",
        "sleeper.table.compaction.job.send.batch.size",
        "sleeper.table.compaction.job.send.retry.delay.seconds",
        "sleeper.table.compaction.job.send.timeout.seconds",
        "sleeper.table.data.engine",
        "sleeper.table.datafusion.s3.readahead.enabled",
        "sleeper.table.fs.s3a.readahead.range",
        "sleeper.table.gc.commit.async",
        "sleeper.table.id",
        "sleeper.table.ingest.batcher.file.tracking.ttl.minutes",
        "sleeper.table.ingest.job.files.commit.async",
        "sleeper.table.ingest.partition.file.writer.type",
        "sleeper.table.ingest.row.batch.type",
        "sleeper.table.parquet.columnindex.truncate.length",
        "sleeper.table.parquet.rowgroup.size",
        "sleeper.table.parquet.statistics.truncate.length",
        "sleeper.table.parquet.writer.version",
        "sleeper.table.partition.splitting.commit.async",
        "sleeper.table.partition.splitting.min.distribution.percent",
        "sleeper.table.partition.splitting.min.rows",
        "sleeper.table.query.parquet.column.index.enabled",
        "sleeper.table.query.processor.cache.timeout.seconds",
        "sleeper.table.retain.after.removal",
        "sleeper.table.reuse.existing",
        "sleeper.table.schema",
        "sleeper.table.statestore.classname",
        "sleeper.table.statestore.commit.async.enabled",
        "sleeper.table.statestore.committer.update.every.batch",
        "sleeper.table.statestore.committer.update.every.commit",
        "sleeper.table.statestore.transactionlog.add.transaction.first.retry.wait.ceiling.ms",
        "sleeper.table.statestore.transactionlog.add.transaction.max.attempts",
        "sleeper.table.statestore.transactionlog.add.transaction.max.retry.wait.ceiling.ms",
        "sleeper.table.statestore.transactionlog.delete.behind.snapshot.min.age.minutes",
        "sleeper.table.statestore.transactionlog.delete.number.behind.latest.snapshot",
        "sleeper.table.statestore.transactionlog.files.snapshot.batch.size",
        "sleeper.table.statestore.transactionlog.partitions.snapshot.batch.size",
        "sleeper.table.statestore.transactionlog.snapshot.expiry.days",
        "sleeper.table.statestore.transactionlog.snapshot.load.min.transactions.ahead",
        "sleeper.table.statestore.transactionlog.time.between.snapshot.checks.seconds",
        "sleeper.table.statestore.transactionlog.time.between.transaction.checks.ms",
    };
}
