using System.Text;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.Batches;

public class KeySearchTests
{
    public static TheoryData<string> KeyTypes => new("int", "long", "string", "bytes");

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void Bounds_match_a_linear_scan_of_a_sorted_column(string typeName)
    {
        PrimitiveType type = typeName switch
        {
            "int" => IntType.Instance,
            "long" => LongType.Instance,
            "string" => StringType.Instance,
            _ => ByteArrayType.Instance,
        };
        var schema = new TableSchema([new Field("k", type)]);
        var random = new Random(31);
        for (var run = 0; run < 100; run++)
        {
            var values = Enumerable.Range(0, random.Next(50)).Select(_ => TestData.RandomValue(random, type, false)!).Order(Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b))).ToList();
            var column = TestData.ToBatch(schema, values.Select(v => new Row([v]))).Column(0);
            for (var probeCount = 0; probeCount < 10; probeCount++)
            {
                var probe = random.Next(3) == 0 && values.Count > 0 ? values[random.Next(values.Count)] : TestData.RandomValue(random, type, false)!;
                var below = values.Count(v => KeyValues.Compare(type, v, probe) < 0);
                var notAbove = values.Count(v => KeyValues.Compare(type, v, probe) <= 0);

                Assert.Equal(below, KeySearch.LowerBound(column, probe));
                Assert.Equal(notAbove, KeySearch.UpperBound(column, probe));
                if (probe is string s)
                {
                    Assert.Equal(below, KeySearch.LowerBound((StringArray)column, Encoding.UTF8.GetBytes(s)));
                }
            }
        }
    }

    [Fact]
    public void A_probe_of_the_wrong_type_is_rejected()
    {
        var column = TestData.ToBatch(TestData.Standard, [new Row(["k", 1L, "v"])]).Column(1);
        Assert.Throws<ArgumentException>(() => KeySearch.LowerBound(column, 1));
    }
}
