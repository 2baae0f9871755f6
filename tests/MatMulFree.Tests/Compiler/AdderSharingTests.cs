using System;
using System.Linq;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;
using MatMulFree.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace MatMulFree.Tests.Compiler
{
    /// <summary>Adder sharing keeps the integer results and does fewer additions.</summary>
    public sealed class AdderSharingTests
    {
        private readonly ITestOutputHelper _out;

        public AdderSharingTests(ITestOutputHelper output) => _out = output;

        /// <summary>Evaluates a plan the plain way: shared sums in order, then each row.</summary>
        internal static int[] Evaluate(TernaryProductPlan plan, sbyte[] q)
        {
            var p = new int[plan.SharedSums.Count];
            int Value(SignedOperand o)
            {
                int v = o.Source == OperandSource.Input ? q[o.Index] : p[o.Index];
                return o.Negative ? -v : v;
            }
            foreach (var s in plan.SharedSums)
            {
                Assert.True(s.Left.Source == OperandSource.Input || s.Left.Index < s.Index);
                p[s.Index] = s.Subtract ? Value(s.Left) - Value(s.Right) : Value(s.Left) + Value(s.Right);
            }
            return plan.RowTerms.Select(row => row.Sum(Value)).ToArray();
        }

        private static int[] Direct(TernaryMatrix w, sbyte[] q)
        {
            var acc = new int[w.Rows];
            for (int n = 0; n < w.Rows; n++)
                for (int k = 0; k < w.Columns; k++)
                    acc[n] += w[n, k] * q[k];
            return acc;
        }

        [Theory]
        [InlineData(1, 1, 0.5)]
        [InlineData(7, 5, 0.6)]
        [InlineData(64, 64, 0.67)]
        [InlineData(300, 37, 0.67)]
        [InlineData(16, 200, 0.3)]
        [InlineData(40, 40, 0.0)]
        [InlineData(40, 40, 1.0)]
        public void Shared_plan_equals_the_direct_product(int rows, int columns, double density)
        {
            var random = new Random(rows * 31 + columns);
            var w = TestMatrices.Matrix(rows, columns, (_, _) => random.NextDouble() < density ? (random.Next(2) == 0 ? 1 : -1) : 0);
            var plan = AdderSharing.Plan(w);
            for (int trial = 0; trial < 5; trial++)
            {
                var q = Enumerable.Range(0, columns).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
                Assert.Equal(Direct(w, q), Evaluate(plan, q));
            }
            Assert.True(plan.AdditionsAfter <= plan.AdditionsBefore);
        }

        [Theory]
        [InlineData("tiny-l2-h64")]
        [InlineData("tiny-l3-h96")]
        public void Every_layer_of_a_random_model_needs_fewer_additions_than_non_zeros(string name)
        {
            var model = GenericModel.Load(TestData.Model(name)).Definition;
            foreach (var layer in model.BitLinears())
            {
                var plan = AdderSharing.Plan(layer.Weight);
                _out.WriteLine($"{layer.Name,-32} [{plan.Rows}x{plan.Columns}] non-zeros {plan.NonZeros,7} additions {plan.AdditionsBefore,7} -> {plan.AdditionsAfter,7} ({(double)plan.AdditionsAfter / plan.AdditionsBefore:P0}), groups of {plan.GroupSize}");
                Assert.True(plan.AdditionsAfter < plan.NonZeros, layer.Name);
                var random = new Random(1);
                var q = Enumerable.Range(0, plan.Columns).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
                Assert.Equal(Direct(layer.Weight, q), Evaluate(plan, q));
            }
        }

        [Fact]
        public void Identical_rows_share_everything()
        {
            // 8 identical rows of 6 non-zeros: the plain sums need 8 * 5 additions; shared, the
            // row sum is built once from its groups and each row is one group-sum expression.
            var w = TestMatrices.Matrix(8, 6, (_, k) => k % 2 == 0 ? 1 : -1);
            var plan = AdderSharing.Plan(w);
            Assert.Equal(40, plan.AdditionsBefore);
            Assert.Equal(5, plan.AdditionsAfter);
            Assert.Equal(6, plan.GroupSize);
        }

        [Fact]
        public void Method_split_keeps_every_method_within_the_budget()
        {
            var terms = Enumerable.Range(0, 1000).Select(k => 1 + k % 300).ToList();
            foreach (bool vectors in new[] { false, true })
            {
                var ranges = JitMethodBudget.Split(terms, vectors);
                Assert.Equal(terms.Count, ranges.Sum(r => r.Count));
                foreach (var (start, count) in ranges)
                {
                    var cost = terms.Skip(start).Take(count).Select(t => JitMethodBudget.Statement(t, vectors)).ToList();
                    Assert.True(cost.Sum(c => c.Instructions) <= JitMethodBudget.MaxInstructions);
                    Assert.True(cost.Sum(c => c.Bytes) <= JitMethodBudget.MaxBytes);
                }
            }
        }
    }
}
