using Sleeper.Core.Batches;

namespace Sleeper.Core.Tests.Batches;

public class BatchKeyComparerTests
{
    [Theory]
    [MemberData(nameof(TestData.SchemaNames), MemberType = typeof(TestData))]
    public void Compares_rows_of_two_batches_like_the_key_comparer_on_their_values(string schemaName)
    {
        var schema = TestData.Named(schemaName);
        var random = new Random(17);
        var order = TestData.KeyOrder(schema);
        var leftRows = TestData.RandomRows(random, schema, 200);
        var rightRows = TestData.RandomRows(random, schema, 150);
        var comparer = new BatchKeyComparer(TestData.ToBatch(schema, leftRows), TestData.ToBatch(schema, rightRows), schema);
        for (var i = 0; i < leftRows.Count; i++)
        {
            for (var j = 0; j < rightRows.Count; j += 7)
            {
                Assert.Equal(Math.Sign(order.Compare(leftRows[i], rightRows[j])), Math.Sign(comparer.Compare(i, j)));
            }
        }
    }

    [Fact]
    public void Strings_compare_in_utf8_byte_order_which_is_not_utf16_order()
    {
        var schema = TestData.Standard;
        var batch = TestData.ToBatch(schema, [new Row(["\uFFFD", 0L, ""]), new Row(["😀", 0L, ""])]);
        Assert.True(string.CompareOrdinal("\uFFFD", "😀") > 0);
        Assert.True(BatchKeyComparer.Within(batch, schema).Compare(0, 1) < 0);
    }
}
