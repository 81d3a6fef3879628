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

    private TKey[] _keys;
    private TValue[] _values;
    private int[] _left;
    private int[] _right;
    private int[] _size;
    private uint[] _priority;
    private int _root = Nil;
    private int _freeHead = Nil;
    private int _used;
    private uint _random = 2463534242;
    private int _minimum = Nil;

    public RankedSet(int capacity = 4)
    {
        _keys = new TKey[capacity];
        _values = new TValue[capacity];
        _left = new int[capacity];
        _right = new int[capacity];
        _size = new int[capacity];
        _priority = new uint[capacity];
    }

    public int Count => _root == Nil ? 0 : _size[_root];

    /// <summary>The smallest key and its value, if any.</summary>
    public bool TryGetMinimum(out TKey key, out TValue value)
    {
        if (_minimum == Nil)
        {
            key = default;
            value = default!;
            return false;
        }

        key = _keys[_minimum];
        value = _values[_minimum];
        return true;
    }

    /// <summary>Adds the key; returns false (and changes nothing) when it is already present.</summary>
    public bool Add(TKey key, TValue value)
    {
        if (Contains(key))
        {
            return false;
        }

        var node = Allocate(key, value);
        _root = Insert(_root, node);
        if (_minimum == Nil || key.CompareTo(_keys[_minimum]) < 0)
        {
            _minimum = node;
        }

        return true;
    }

    /// <summary>Removes the key; returns false when it was absent.</summary>
    public bool Remove(TKey key)
    {
        var before = Count;
        _root = Delete(_root, key);
        if (Count == before)
        {
            return false;
        }

        if (_minimum != Nil && _size[_minimum] == 0)
        {
            _minimum = Leftmost(_root);
        }

        return true;
    }

    public bool Contains(TKey key)
    {
        var node = _root;
        while (node != Nil)
        {
            var order = key.CompareTo(_keys[node]);
            if (order == 0)
            {
                return true;
            }

            node = order < 0 ? _left[node] : _right[node];
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
            if (key.CompareTo(_keys[node]) <= 0)
            {
                node = _left[node];
            }
            else
            {
                rank += SizeOf(_left[node]) + 1;
                node = _right[node];
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
                node = _left[node];
            }

            node = stack.Pop();
            yield return new(_keys[node], _values[node]);
            node = _right[node];
        }
    }

    /// <summary>The first value, in key order, that <paramref name="accept"/> takes.</summary>
    public bool TryFindFirst<TState>(Func<TValue, TState, bool> accept, TState state, out TKey key, out TValue value)
    {
        if (_minimum != Nil && accept(_values[_minimum], state))
        {
            key = _keys[_minimum];
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

    private int SizeOf(int node) => node == Nil ? 0 : _size[node];

    private int Leftmost(int node)
    {
        if (node == Nil)
        {
            return Nil;
        }

        while (_left[node] != Nil)
        {
            node = _left[node];
        }

        return node;
    }

    private int Allocate(TKey key, TValue value)
    {
        int node;
        if (_freeHead != Nil)
        {
            node = _freeHead;
            _freeHead = _left[node];
        }
        else
        {
            if (_used == _keys.Length)
            {
                Grow();
            }

            node = _used++;
        }

        _keys[node] = key;
        _values[node] = value;
        _left[node] = Nil;
        _right[node] = Nil;
        _size[node] = 1;
        _priority[node] = NextPriority();
        return node;
    }

    private void Release(int node)
    {
        _values[node] = default!;
        _size[node] = 0;
        _left[node] = _freeHead;
        _freeHead = node;
    }

    private void Grow()
    {
        var capacity = _keys.Length * 2;
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _values, capacity);
        Array.Resize(ref _left, capacity);
        Array.Resize(ref _right, capacity);
        Array.Resize(ref _size, capacity);
        Array.Resize(ref _priority, capacity);
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

    private void Update(int node) => _size[node] = SizeOf(_left[node]) + SizeOf(_right[node]) + 1;

    private int RotateRight(int node)
    {
        var child = _left[node];
        _left[node] = _right[child];
        _right[child] = node;
        Update(node);
        Update(child);
        return child;
    }

    private int RotateLeft(int node)
    {
        var child = _right[node];
        _right[node] = _left[child];
        _left[child] = node;
        Update(node);
        Update(child);
        return child;
    }

    private int Insert(int node, int fresh)
    {
        if (node == Nil)
        {
            return fresh;
        }

        if (_keys[fresh].CompareTo(_keys[node]) < 0)
        {
            _left[node] = Insert(_left[node], fresh);
            Update(node);
            return _priority[_left[node]] > _priority[node] ? RotateRight(node) : node;
        }

        _right[node] = Insert(_right[node], fresh);
        Update(node);
        return _priority[_right[node]] > _priority[node] ? RotateLeft(node) : node;
    }

    private int Delete(int node, TKey key)
    {
        if (node == Nil)
        {
            return Nil;
        }

        var order = key.CompareTo(_keys[node]);
        if (order < 0)
        {
            _left[node] = Delete(_left[node], key);
        }
        else if (order > 0)
        {
            _right[node] = Delete(_right[node], key);
        }
        else
        {
            var merged = Merge(_left[node], _right[node]);
            Release(node);
            return merged;
        }

        Update(node);
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

        if (_priority[low] > _priority[high])
        {
            _right[low] = Merge(_right[low], high);
            Update(low);
            return low;
        }

        _left[high] = Merge(low, _left[high]);
        Update(high);
        return high;
    }
}
