namespace CallCenter.Routing.Matching;

/// <summary>
/// An ordered set of unique keys, each with a value, that also answers "how many keys
/// come before this one" (the rank). A treap whose nodes live in arrays, so inserting
/// and removing cost O(log n) and allocate nothing once the arrays have grown.
/// Node priorities come from a fixed-seed generator: the shape, and so every result,
/// is deterministic.
/// </summary>
internal sealed class RankedSet<TKey, TValue>
    where TKey : struct, IComparable<TKey>
{
    private const int Nil = -1;

    // One array of nodes (key, links, size, priority together), so a step down the tree
    // touches one cache line; values live apart and are read only at the end of a search.
    private Node[] _nodes;
    private TValue[] _values;
    private int _root = Nil;
    private int _freeHead = Nil;
    private int _used;
    private uint _random = 2463534242;
    private int _minimum = Nil;

    public RankedSet(int capacity = 4)
    {
        _nodes = new Node[capacity];
        _values = new TValue[capacity];
    }

    public int Count => _root == Nil ? 0 : _nodes[_root].Size;

    /// <summary>The smallest key and its value, if any.</summary>
    public bool TryGetMinimum(out TKey key, out TValue value)
    {
        if (_minimum == Nil)
        {
            key = default;
            value = default!;
            return false;
        }

        key = _nodes[_minimum].Key;
        value = _values[_minimum];
        return true;
    }

    /// <summary>Adds the key; returns false (and changes nothing) when it is already present.</summary>
    public bool Add(TKey key, TValue value)
    {
        var node = Allocate(key, value);
        var duplicate = false;
        _root = Insert(_root, node, ref duplicate);
        if (duplicate)
        {
            Release(node);
            return false;
        }

        if (_minimum == Nil || key.CompareTo(_nodes[_minimum].Key) < 0)
        {
            _minimum = node;
        }

        return true;
    }

    /// <summary>Removes the key; returns false when it was absent.</summary>
    public bool Remove(TKey key)
    {
        var removed = Nil;
        _root = Delete(_root, key, ref removed);
        if (removed == Nil)
        {
            return false;
        }

        if (removed == _minimum)
        {
            _minimum = Leftmost(_root);
        }

        Release(removed);
        return true;
    }

    public bool Contains(TKey key)
    {
        var node = _root;
        while (node != Nil)
        {
            ref var current = ref _nodes[node];
            var order = key.CompareTo(current.Key);
            if (order == 0)
            {
                return true;
            }

            node = order < 0 ? current.Left : current.Right;
        }

        return false;
    }

    /// <summary>Number of keys strictly smaller than <paramref name="key"/>.</summary>
    public int CountBefore(TKey key)
    {
        var rank = 0;
        var node = _root;
        while (node != Nil)
        {
            ref var current = ref _nodes[node];
            if (key.CompareTo(current.Key) <= 0)
            {
                node = current.Left;
            }
            else
            {
                rank += SizeOf(current.Left) + 1;
                node = current.Right;
            }
        }

        return rank;
    }

    /// <summary>The entries in ascending key order. Do not change the set while enumerating.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> InOrder()
    {
        var stack = new Stack<int>();
        var node = _root;
        while (stack.Count > 0 || node != Nil)
        {
            while (node != Nil)
            {
                stack.Push(node);
                node = _nodes[node].Left;
            }

            node = stack.Pop();
            yield return new(_nodes[node].Key, _values[node]);
            node = _nodes[node].Right;
        }
    }

    /// <summary>The first value, in key order, that <paramref name="accept"/> takes.</summary>
    public bool TryFindFirst<TState>(Func<TValue, TState, bool> accept, TState state, out TKey key, out TValue value)
    {
        if (_minimum != Nil && accept(_values[_minimum], state))
        {
            key = _nodes[_minimum].Key;
            value = _values[_minimum];
            return true;
        }

        foreach (var entry in InOrder())
        {
            if (accept(entry.Value, state))
            {
                key = entry.Key;
                value = entry.Value;
                return true;
            }
        }

        key = default;
        value = default!;
        return false;
    }

    /// <summary>
    /// The first value after <paramref name="after"/>, in key order, that <paramref name="accept"/>
    /// takes. Each step is one walk from the root (O(log n)); nothing is allocated.
    /// </summary>
    public bool TryFindNext<TState>(TKey after, Func<TValue, TState, bool> accept, TState state, out TKey key, out TValue value) =>
        TryFindNext(after, null, accept, state, out key, out value);

    /// <summary>
    /// As <see cref="TryFindNext{TState}(TKey, Func{TValue, TState, bool}, TState, out TKey, out TValue)"/>, but
    /// only among keys before <paramref name="before"/> (when given): a value whose key is not before it
    /// is never read, so looking costs no more than the walk through the nodes.
    /// </summary>
    public bool TryFindNext<TState>(
        TKey after, TKey? before, Func<TValue, TState, bool> accept, TState state, out TKey key, out TValue value)
    {
        var bound = after;
        while (Successor(bound) is var node && node != Nil
               && (before is not { } limit || _nodes[node].Key.CompareTo(limit) < 0))
        {
            if (accept(_values[node], state))
            {
                key = _nodes[node].Key;
                value = _values[node];
                return true;
            }

            bound = _nodes[node].Key;
        }

        key = default;
        value = default!;
        return false;
    }

    /// <summary>The node with the smallest key greater than <paramref name="after"/>, or Nil.</summary>
    private int Successor(TKey after)
    {
        var found = Nil;
        var node = _root;
        while (node != Nil)
        {
            ref var current = ref _nodes[node];
            if (after.CompareTo(current.Key) < 0)
            {
                found = node;
                node = current.Left;
            }
            else
            {
                node = current.Right;
            }
        }

        return found;
    }

    private int SizeOf(int node) => node == Nil ? 0 : _nodes[node].Size;

    private int Leftmost(int node)
    {
        if (node == Nil)
        {
            return Nil;
        }

        while (_nodes[node].Left != Nil)
        {
            node = _nodes[node].Left;
        }

        return node;
    }

    private int Allocate(TKey key, TValue value)
    {
        int node;
        if (_freeHead != Nil)
        {
            node = _freeHead;
            _freeHead = _nodes[node].Left;
        }
        else
        {
            if (_used == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
                Array.Resize(ref _values, _nodes.Length);
            }

            node = _used++;
        }

        _nodes[node] = new Node { Key = key, Left = Nil, Right = Nil, Size = 1, Priority = NextPriority() };
        _values[node] = value;
        return node;
    }

    private void Release(int node)
    {
        _values[node] = default!;
        _nodes[node].Size = 0;
        _nodes[node].Left = _freeHead;
        _freeHead = node;
    }

    private uint NextPriority()
    {
        // xorshift32: cheap, and the same sequence on every run.
        var x = _random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _random = x;
        return x;
    }

    private void Update(int node)
    {
        ref var current = ref _nodes[node];
        current.Size = SizeOf(current.Left) + SizeOf(current.Right) + 1;
    }

    private int RotateRight(int node)
    {
        var child = _nodes[node].Left;
        _nodes[node].Left = _nodes[child].Right;
        _nodes[child].Right = node;
        Update(node);
        Update(child);
        return child;
    }

    private int RotateLeft(int node)
    {
        var child = _nodes[node].Right;
        _nodes[node].Right = _nodes[child].Left;
        _nodes[child].Left = node;
        Update(node);
        Update(child);
        return child;
    }

    private int Insert(int node, int fresh, ref bool duplicate)
    {
        if (node == Nil)
        {
            return fresh;
        }

        var order = _nodes[fresh].Key.CompareTo(_nodes[node].Key);
        if (order == 0)
        {
            duplicate = true;
            return node;
        }

        if (order < 0)
        {
            var left = Insert(_nodes[node].Left, fresh, ref duplicate);
            _nodes[node].Left = left;
            if (duplicate)
            {
                return node;
            }

            Update(node);
            return _nodes[left].Priority > _nodes[node].Priority ? RotateRight(node) : node;
        }

        var right = Insert(_nodes[node].Right, fresh, ref duplicate);
        _nodes[node].Right = right;
        if (duplicate)
        {
            return node;
        }

        Update(node);
        return _nodes[right].Priority > _nodes[node].Priority ? RotateLeft(node) : node;
    }

    private int Delete(int node, TKey key, ref int removed)
    {
        if (node == Nil)
        {
            return Nil;
        }

        var order = key.CompareTo(_nodes[node].Key);
        if (order == 0)
        {
            removed = node;
            return Merge(_nodes[node].Left, _nodes[node].Right);
        }

        if (order < 0)
        {
            _nodes[node].Left = Delete(_nodes[node].Left, key, ref removed);
        }
        else
        {
            _nodes[node].Right = Delete(_nodes[node].Right, key, ref removed);
        }

        if (removed != Nil)
        {
            _nodes[node].Size--;
        }

        return node;
    }

    /// <summary>Joins two treaps where every key of <paramref name="low"/> precedes every key of <paramref name="high"/>.</summary>
    private int Merge(int low, int high)
    {
        if (low == Nil)
        {
            return high;
        }

        if (high == Nil)
        {
            return low;
        }

        if (_nodes[low].Priority > _nodes[high].Priority)
        {
            _nodes[low].Right = Merge(_nodes[low].Right, high);
            Update(low);
            return low;
        }

        _nodes[high].Left = Merge(low, _nodes[high].Left);
        Update(high);
        return high;
    }

    private struct Node
    {
        public TKey Key;
        public int Left;
        public int Right;
        public int Size;
        public uint Priority;
    }
}
