using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace CallCenter.Routing.Host.InteractionLog;

/// <summary>
/// One column of a log table: its name and SQL type, and how a record gives its value. The same
/// definition writes a row of a binary COPY and builds the column's array parameter for
/// <c>unnest</c>, so the two ways of writing a table cannot disagree on its columns.
/// </summary>
internal abstract class LogColumn<TRow>(string name, string type)
{
    public string Name => name;

    /// <summary>The type of one element of the array parameter (one per row).</summary>
    public virtual string ElementType => type;

    /// <summary>The column's value from the element <c>unnest</c> gives.</summary>
    public virtual string FromElement => name;

    public abstract void Copy(NpgsqlBinaryImporter copy, TRow row);

    /// <summary>The column's values, one per row, as a positional array parameter.</summary>
    public abstract NpgsqlParameter Values(IReadOnlyList<TRow> rows);

    protected static NpgsqlParameter ArrayOf<T>(IReadOnlyList<TRow> rows, Func<TRow, T> value, NpgsqlDbType dbType)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = value(rows[i]);
        }

        return new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | dbType };
    }
}

/// <summary>A column of one value (text, jsonb, bigint, timestamptz, ...); null is SQL NULL.</summary>
internal sealed class ScalarColumn<TRow, T>(string name, string type, NpgsqlDbType dbType, Func<TRow, T> value) : LogColumn<TRow>(name, type)
{
    public override void Copy(NpgsqlBinaryImporter copy, TRow row)
    {
        if (value(row) is { } v)
        {
            copy.Write(v, dbType);
        }
        else
        {
            copy.WriteNull();
        }
    }

    public override NpgsqlParameter Values(IReadOnlyList<TRow> rows) => ArrayOf(rows, value, dbType);
}

/// <summary>
/// A text[] column. unnest flattens an array of arrays, so each row's array travels as its text
/// form (<c>{"a","b"}</c>, or NULL) and is read back into text[] row by row; an empty array stays
/// empty and a missing one NULL.
/// </summary>
internal sealed class TextArrayColumn<TRow>(string name, Func<TRow, IReadOnlyList<string>?> value)
    : LogColumn<TRow>(name, "text[]")
{
    public override string ElementType => "text";

    public override string FromElement => $"{Name}::text[]";

    public override void Copy(NpgsqlBinaryImporter copy, TRow row)
    {
        if (value(row) is { } items)
        {
            copy.Write(items as string[] ?? items.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
        else
        {
            copy.WriteNull();
        }
    }

    public override NpgsqlParameter Values(IReadOnlyList<TRow> rows) =>
        ArrayOf(rows, row => value(row) is { } items ? Literal(items) : null, NpgsqlDbType.Text);

    /// <summary>
    /// The array's text form as PostgreSQL reads it: every element quoted (so commas, braces,
    /// blanks and the word NULL are kept as written), with backslash and quote escaped.
    /// </summary>
    public static string Literal(IReadOnlyList<string?> items)
    {
        if (items.Count == 0)
        {
            return "{}";
        }

        var text = new StringBuilder("{");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            if (items[i] is not { } item)
            {
                text.Append("NULL");
                continue;
            }

            text.Append('"');
            foreach (var c in item)
            {
                if (c is '"' or '\\')
                {
                    text.Append('\\');
                }

                text.Append(c);
            }

            text.Append('"');
        }

        return text.Append('}').ToString();
    }
}

/// <summary>A log table: its columns, in the order COPY writes them and unnest gives them. Its SQL is made once.</summary>
internal sealed class LogTable<TRow>
{
    private readonly LogColumn<TRow>[] _columns;

    public LogTable(string name, IReadOnlyList<LogColumn<TRow>> columns)
    {
        _columns = [.. columns];
        ColumnList = string.Join(", ", _columns.Select(c => c.Name));
        Copy = $"COPY {name} ({ColumnList}) FROM STDIN (FORMAT BINARY)";
        SelectRows =
            $"SELECT {string.Join(", ", _columns.Select(c => c.FromElement))} " +
            $"FROM unnest({string.Join(", ", _columns.Select((c, i) => $"${i + 1}::{c.ElementType}[]"))}) AS given({ColumnList})";
        InsertNew = $"INSERT INTO {name} ({ColumnList}) {SelectRows} ON CONFLICT DO NOTHING";
    }

    public string ColumnList { get; }

    /// <summary>Binary COPY straight into the table.</summary>
    public string Copy { get; }

    /// <summary>
    /// The rows of <see cref="Command"/>'s parameters as a query: column n is <c>$n</c>, an array
    /// with one element per row. Positional parameters are sent as written (Npgsql rewrites no SQL).
    /// </summary>
    public string SelectRows { get; }

    /// <summary>Inserts the rows that are not there yet: a replayed record leaves no second row.</summary>
    public string InsertNew { get; }

    public void WriteRow(NpgsqlBinaryImporter copy, TRow row)
    {
        copy.StartRow();
        // An array, not the list interface: this runs for every row, and an interface's enumerator is allocated.
        foreach (var column in _columns)
        {
            column.Copy(copy, row);
        }
    }

    /// <summary><paramref name="sql"/> (over <see cref="SelectRows"/>) with the rows as its parameters.</summary>
    public NpgsqlBatchCommand Command(string sql, IReadOnlyList<TRow> rows)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var column in _columns)
        {
            command.Parameters.Add(column.Values(rows));
        }

        return command;
    }
}

/// <summary>Shorthands for the column definitions of <see cref="LogSql"/>.</summary>
internal static class LogColumn
{
    public static LogColumn<TRow> Text<TRow>(string name, Func<TRow, string?> value) =>
        new ScalarColumn<TRow, string?>(name, "text", NpgsqlDbType.Text, value);

    public static LogColumn<TRow> Json<TRow>(string name, Func<TRow, string?> value) =>
        new ScalarColumn<TRow, string?>(name, "jsonb", NpgsqlDbType.Jsonb, value);

    public static LogColumn<TRow> Bigint<TRow>(string name, Func<TRow, long?> value) =>
        new ScalarColumn<TRow, long?>(name, "bigint", NpgsqlDbType.Bigint, value);

    public static LogColumn<TRow> Integer<TRow>(string name, Func<TRow, int?> value) =>
        new ScalarColumn<TRow, int?>(name, "integer", NpgsqlDbType.Integer, value);

    public static LogColumn<TRow> Smallint<TRow>(string name, Func<TRow, short?> value) =>
        new ScalarColumn<TRow, short?>(name, "smallint", NpgsqlDbType.Smallint, value);

    public static LogColumn<TRow> Boolean<TRow>(string name, Func<TRow, bool?> value) =>
        new ScalarColumn<TRow, bool?>(name, "boolean", NpgsqlDbType.Boolean, value);

    public static LogColumn<TRow> Interval<TRow>(string name, Func<TRow, TimeSpan?> value) =>
        new ScalarColumn<TRow, TimeSpan?>(name, "interval", NpgsqlDbType.Interval, value);

    /// <summary>timestamptz, sent as UTC (Npgsql writes only UTC times to it).</summary>
    public static LogColumn<TRow> Time<TRow>(string name, Func<TRow, DateTimeOffset?> value) =>
        new ScalarColumn<TRow, DateTime?>(name, "timestamptz", NpgsqlDbType.TimestampTz, row => value(row)?.UtcDateTime);

    public static LogColumn<TRow> TextArray<TRow>(string name, Func<TRow, IReadOnlyList<string>?> value) =>
        new TextArrayColumn<TRow>(name, value);
}
