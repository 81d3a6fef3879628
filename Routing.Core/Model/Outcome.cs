namespace CallCenter.Routing.Model;

/// <summary>
/// How a command ended. The edge maps each code one to one onto a gRPC status
/// (Invalid: INVALID_ARGUMENT, NotFound: NOT_FOUND, Conflict: FAILED_PRECONDITION,
/// AlreadyExists: ALREADY_EXISTS); Unchanged marks a harmless duplicate.
/// </summary>
public enum OutcomeCode
{
    Ok,
    Unchanged,
    Invalid,
    NotFound,
    Conflict,
    AlreadyExists,
}

/// <summary>The result of a command: a code, and for refusals the field at fault and why.</summary>
public readonly record struct Outcome(OutcomeCode Code, string? Field = null, string? Message = null)
{
    public static readonly Outcome Ok = new(OutcomeCode.Ok);
    public static readonly Outcome Unchanged = new(OutcomeCode.Unchanged);

    public bool Succeeded => Code is OutcomeCode.Ok or OutcomeCode.Unchanged;

    public static Outcome Invalid(string field, string message) => new(OutcomeCode.Invalid, field, message);
    public static Outcome NotFound(string field, string message) => new(OutcomeCode.NotFound, field, message);
    public static Outcome Conflict(string field, string message) => new(OutcomeCode.Conflict, field, message);
    public static Outcome AlreadyExists(string field, string message) => new(OutcomeCode.AlreadyExists, field, message);

    public override string ToString() => Field is null ? Code.ToString() : $"{Code}: {Field}: {Message}";
}
