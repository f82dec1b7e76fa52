using Sleeper.Cli.Commands;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.TestSupport;

namespace Sleeper.Cli.Tests;

/// <summary>
/// Seeded fuzzing of the query's --key, --range and --region arguments: each is turned into a region that holds
/// some key, or rejected with a usage error; nothing else escapes.
/// </summary>
public sealed class QueryRegionsFuzzTest
{
    private static readonly TableSchema Schema = SchemaSerDe.FromJson(
        """{"rowKeyFields":[{"name":"key","type":"StringType"},{"name":"n","type":"LongType"}],"valueFields":[{"name":"v","type":"StringType"}]}""");

    private static readonly string[] s_valid =
    [
        "a,m", ",", "b,", ",z", "alpha,bravo",
        """{"key":["a",true,"m",false]}""", """{"key":["a",true,null,false],"n":[1,true,5,true]}""", """{"n":[-3,false,9,false]}""",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_mutated_range_or_region_becomes_a_region_holding_keys_or_a_usage_error(int seed)
    {
        var mutator = new Mutator(seed);
        for (var i = 0; i < 3000; i++)
        {
            var valid = s_valid[mutator.Random.Next(s_valid.Length)];
            var text = mutator.MutateText(valid);
            try
            {
                var region = valid.StartsWith('{') ? QueryRegions.FromRegionJson(Schema, text)
                    : mutator.Random.Next(4) == 0 ? QueryRegions.FromKey(Schema, text) : QueryRegions.FromRange(Schema, text);
                Assert.False(region.IsEmpty(), $"seed {seed} input {i}: '{text}' gave an empty region that was not reported");
            }
            catch (UsageException e)
            {
                Assert.Contains(valid.StartsWith('{') ? "--region" : "--", e.Message);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"seed {seed} input {i}: '{text}': {e.GetType().Name} escaped instead of a usage error: {e.Message}");
            }
        }
    }
}
