using Sleeper.CrashHarness;

namespace Sleeper.CrashHarness.Tests;

/// <summary>
/// Defects the harness finds that other changes of the same issue are fixing right now. A violation matching
/// an entry here is still found, checked and printed by the short run, but does not fail it; every other
/// violation does. The long run ignores this list and reports everything. Empty it, entry by entry, as the
/// fixes are merged: an entry whose defect is fixed only hides a regression.
/// </summary>
public static class KnownOpenDefects
{
    public sealed record Entry(ViolationKind Kind, string? Scenario, string Defect);

    public static IReadOnlyList<Entry> List { get; } = [];

    public static Entry? Match(string scenario, Violation violation) =>
        List.FirstOrDefault(e => e.Kind == violation.Kind && (e.Scenario is null || e.Scenario == scenario));
}
