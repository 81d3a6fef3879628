namespace CallCenter.Routing.Host.Identity;

/// <summary>Who a token speaks for: its <c>role</c> claim.</summary>
public enum EdgeRole
{
    /// <summary>A telephony gateway; the token's subject is the gateway id.</summary>
    Gateway,

    /// <summary>An agent's softphone; the token's subject is the agent id.</summary>
    Agent,

    /// <summary>Reads the routing state, reports and explanations.</summary>
    Supervisor,

    /// <summary>What a supervisor may, and changes the configuration.</summary>
    Admin,
}

/// <summary>The claims a token carries, by the names they have in the token.</summary>
public static class EdgeClaims
{
    public const string Subject = "sub";
    public const string Role = "role";

    /// <summary>The routing domain the token is for; none: any domain.</summary>
    public const string Domain = "domain";

    /// <summary>A gateway's: <c>true</c> when it may flag calls as emergencies.</summary>
    public const string Emergency = "emergency";

    /// <summary>The role as the claim spells it.</summary>
    public static string Name(EdgeRole role) => role.ToString().ToLowerInvariant();

    public static EdgeRole? Parse(string? value) => value switch
    {
        "gateway" => EdgeRole.Gateway,
        "agent" => EdgeRole.Agent,
        "supervisor" => EdgeRole.Supervisor,
        "admin" => EdgeRole.Admin,
        _ => null,
    };
}
