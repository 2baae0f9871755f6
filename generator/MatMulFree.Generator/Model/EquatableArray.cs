using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace MatMulFree.Generator.Model
{
    /// <summary>An immutable array compared by its elements, so pipeline models that hold
    /// one stay equal across runs and incremental caching works.</summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
        where T : IEquatable<T>
    {
        private readonly T[]? _items;

        public EquatableArray(IEnumerable<T> items) => _items = items.ToArray();

        public int Count => _items?.Length ?? 0;

        public T this[int index] => _items![index];

        public bool Equals(EquatableArray<T> other) =>
            (_items ?? Array.Empty<T>()).AsSpanEquals(other._items ?? Array.Empty<T>());

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            int hash = 17;
            foreach (var item in _items ?? Array.Empty<T>())
            {
                hash = hash * 31 + item.GetHashCode();
            }
            return hash;
        }

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    internal static class EquatableArrayExtensions
    {
        public static bool AsSpanEquals<T>(this T[] a, T[] b) where T : IEquatable<T>
        {
            if (a.Length != b.Length)
            {
                return false;
            }
            for (int k = 0; k < a.Length; k++)
            {
                if (!a[k].Equals(b[k]))
                {
                    return false;
                }
            }
            return true;
        }

        public static EquatableArray<T> ToEquatableArray<T>(this IEnumerable<T> items) where T : IEquatable<T> =>
            new EquatableArray<T>(items);
    }
}
