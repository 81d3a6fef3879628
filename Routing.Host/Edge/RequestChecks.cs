using CallCenter.Routing.Model;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// A refusal, naming the proto field at fault as a path in the request (empty when no one field is).
/// Every refusal of every service is one of these: a unary call ends with <see cref="ToRpcException"/>,
/// a stream answers with a message carrying the same code, field and detail.
/// </summary>
public sealed class BadRequestException(StatusCode code, string field, string message)
    : Exception(field.Length == 0 ? message : $"{field}: {message}")
{
    public StatusCode Code { get; } = code;
    public string Field { get; } = field;

    /// <summary>What is wrong, without the field.</summary>
    public string Detail { get; } = message;

    /// <summary>The same refusal for a request nested under <paramref name="prefix"/>: its field's path starts there.</summary>
    public BadRequestException Under(string prefix) => new(Code, RequestChecks.ProtoField(prefix, Field), Detail);

    /// <summary>
    /// The status a unary call ends with: the message for people (<c>field: detail</c>), and for
    /// programs the field again as a <c>google.rpc.BadRequest</c> field violation in the details.
    /// </summary>
    public RpcException ToRpcException()
    {
        var status = new Google.Rpc.Status { Code = (int)Code, Message = Message };
        if (Field.Length > 0)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = Field, Description = Detail } },
            }));
        }

        return status.ToRpcException();
    }
}

/// <summary>Checks of request fields, with errors that name the field as the proto spells it.</summary>
public static class RequestChecks
{
    /// <summary>Ids and names longer than this are refused: they are keys, not text.</summary>
    public const int MaxIdLength = 128;

    public const int MaxTextLength = 4_000;

    public const int MaxListCount = 64;

    public static string Id(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(field, "is required");
        }

        if (value.Length > MaxIdLength)
        {
            throw Invalid(field, $"must be at most {MaxIdLength} characters");
        }

        return Storable(value, field);
    }

    public static string? OptionalId(string? value, string field) => string.IsNullOrEmpty(value) ? null : Id(value, field);

    public static string? OptionalText(string? value, string field, int maxLength = MaxTextLength)
    {
        if (value is { Length: > 0 } && value.Length > maxLength)
        {
            throw Invalid(field, $"must be at most {maxLength} characters");
        }

        return string.IsNullOrEmpty(value) ? null : Storable(value, field);
    }

    /// <summary>
    /// Text the interaction log can hold: PostgreSQL's text refuses the NUL character, and a record
    /// refused by the database after its event was acknowledged would be lost.
    /// </summary>
    private static string Storable(string value, string field) =>
        value.Contains('\0', StringComparison.Ordinal) ? throw Invalid(field, "must not contain the NUL character (U+0000)") : value;

    public static void Count(int count, string field, int max = MaxListCount)
    {
        if (count > max)
        {
            throw Invalid(field, $"must have at most {max} entries");
        }
    }

    public static BadRequestException Invalid(string field, string message) => new(StatusCode.InvalidArgument, field, message);

    public static BadRequestException NotFound(string field, string message) => new(StatusCode.NotFound, field, message);

    public static BadRequestException FailedPrecondition(string field, string message) => new(StatusCode.FailedPrecondition, field, message);

    /// <summary>The caller's token does not allow this: another's resource, or a role that may not.</summary>
    public static BadRequestException PermissionDenied(string field, string message) => new(StatusCode.PermissionDenied, field, message);

    /// <summary>The caller did not prove who it is: no token, or one that is not valid.</summary>
    public static BadRequestException Unauthenticated(string message) => new(StatusCode.Unauthenticated, "", message);

    /// <summary>Nothing is wrong with the request: the server cannot carry it out now, and a retry may succeed.</summary>
    public static BadRequestException Unavailable(string message) => new(StatusCode.Unavailable, "", message);

    /// <summary>Runs the checks of a request; a refusal becomes the RpcException a unary call answers with.</summary>
    public static T Checked<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (BadRequestException bad)
        {
            throw bad.ToRpcException();
        }
    }

    /// <summary>The gRPC name of a status code, as answers on a stream carry it: InvalidArgument → INVALID_ARGUMENT.</summary>
    public static string CodeName(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    /// <summary>The gRPC status for a refusal of the routing side.</summary>
    public static StatusCode StatusOf(OutcomeCode code) => code switch
    {
        OutcomeCode.Invalid => StatusCode.InvalidArgument,
        OutcomeCode.NotFound => StatusCode.NotFound,
        OutcomeCode.Conflict => StatusCode.FailedPrecondition,
        OutcomeCode.AlreadyExists => StatusCode.AlreadyExists,
        _ => StatusCode.Unknown,
    };

    /// <summary>
    /// Turns a field named by the routing side (camelCase, as the core names it) into the proto's
    /// path under <paramref name="prefix"/>: extraSkills[0].minimumLevel → call_arrived.required_skills[0].minimum_level.
    /// </summary>
    public static string ProtoField(string prefix, string? coreField, IReadOnlyDictionary<string, string>? renames = null)
    {
        if (string.IsNullOrEmpty(coreField))
        {
            return prefix;
        }

        var parts = coreField.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var bracket = parts[i].IndexOf('[');
            var name = bracket < 0 ? parts[i] : parts[i][..bracket];
            var index = bracket < 0 ? "" : parts[i][bracket..];
            name = renames is not null && renames.TryGetValue(name, out var renamed) ? renamed : SnakeCase(name);
            parts[i] = name + index;
        }

        var path = string.Join('.', parts);
        return prefix.Length == 0 ? path : $"{prefix}.{path}";
    }

    private static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                if (builder.Length > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
