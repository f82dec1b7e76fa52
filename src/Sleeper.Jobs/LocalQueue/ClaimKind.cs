namespace Sleeper.Jobs.LocalQueue;

/// <summary>What a link in a message's claim chain says about the message.</summary>
internal enum ClaimKind
{
    /// <summary>A receiver holds it until the claim expires (a receipt, or an extension of one).</summary>
    Received,

    /// <summary>Its holder handed it back; it is visible at once.</summary>
    Released,

    /// <summary>It was handled; the chain ends here and what is left of it is being removed.</summary>
    Deleted,

    /// <summary>It was received too often and is moving to the dead letters; if this claim expires, that is redone.</summary>
    DeadLettering,
}
