namespace CallCenter.Routing.Model;

/// <summary>Identifies one interaction (a call) for its whole life, across queues and transfers.</summary>
public readonly record struct CallId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Identifies an agent (a person at a softphone).</summary>
public readonly record struct AgentId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Identifies a queue (a hotline, a service line, a skill group's entry point).</summary>
public readonly record struct QueueId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Identifies a skill; languages and regions are skills too.</summary>
public readonly record struct SkillId(string Value)
{
    public override string ToString() => Value;
}

/// <summary>Names a customer tier on the ladder (VIP, Gold, ...).</summary>
public readonly record struct TierId(string Value)
{
    public override string ToString() => Value;
}
