using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.Dispatching;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// Changes of the configuration at run time, one at a time, each with the next version number.
/// Queues and skills go to the routing domain (which applies them to new calls only); agent
/// profiles stay here and apply at an agent's next login.
/// </summary>
public sealed class ConfigurationAdmin(DomainClient domain, AgentProfiles profiles, RoutingConfiguration initial)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _version = initial.Version;

    public long Version => Interlocked.Read(ref _version);

    public Task<RoutingConfiguration> Current(CancellationToken cancellation) =>
        domain.Ask<RoutingConfiguration>(domain.Domain, DomainProtocol.GetConfiguration.Instance, cancellation);

    public Task<long> PutAgentProfile(StoredAgentProfile profile, CancellationToken cancellation) =>
        Change(_ =>
        {
            profiles.Put(profile);
            return Task.CompletedTask;
        }, cancellation);

    public Task<long> PutSkill(SkillId skill, CancellationToken cancellation) =>
        Change(async version =>
        {
            var current = await Current(cancellation);
            if (!current.Skills.Contains(skill))
            {
                var next = current with { Version = version, Skills = [.. current.Skills, skill] };
                await Apply(next, "", cancellation);
                profiles.UseSkills(next.Skills);
            }
        }, cancellation);

    public Task<long> PutQueue(QueueConfig queue, CancellationToken cancellation) =>
        Change(async version =>
        {
            var current = await Current(cancellation);
            var queues = current.Queues.Any(q => q.Id == queue.Id)
                ? current.Queues.Select(q => q.Id == queue.Id ? queue : q).ToList()
                : [.. current.Queues, queue];
            await Apply(current with { Version = version, Queues = queues }, $"queues[{queue.Id}].", cancellation);
        }, cancellation);

    /// <summary>Runs one change with the next version; the version is taken only if the change is made.</summary>
    private async Task<long> Change(Func<long, Task> change, CancellationToken cancellation)
    {
        await _oneAtATime.WaitAsync(cancellation);
        try
        {
            var next = _version + 1;
            await change(next);
            Interlocked.Exchange(ref _version, next);
            return next;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task Apply(RoutingConfiguration next, string queuePrefix, CancellationToken cancellation)
    {
        var outcome = await domain.Send(new Dispatch.Reconfigure(next), cancellation);
        if (!outcome.Succeeded)
        {
            // The core names fields by their place in the whole configuration; the request holds one queue.
            var field = outcome.Field is { } path && queuePrefix.Length > 0 && path.StartsWith(queuePrefix, StringComparison.Ordinal)
                ? path[queuePrefix.Length..]
                : outcome.Field;
            throw DomainClient.Refusal(outcome with { Field = field }, "").ToRpcException();
        }
    }

    /// <summary>A queue definition from the operators' API, as the configuration holds it.</summary>
    public static QueueConfig ToQueueConfig(QueueDefinition definition)
    {
        var settings = new QueueSettings
        {
            Id = RequestChecks.Id(definition.QueueId, "queue_id"),
            RequiredSkills = Requirements(definition.RequiredSkills, "required_skills"),
            ServiceLevelThresholdSeconds = definition.HasServiceLevelThresholdSeconds ? definition.ServiceLevelThresholdSeconds : null,
            ExpectedHandleTimeSeconds = definition.HasExpectedHandleTimeSeconds ? definition.ExpectedHandleTimeSeconds : 180,
            MaximumSize = definition.HasMaximumSize ? definition.MaximumSize : null,
            WhenFull = Parse<QueueExitAction>(definition.WhenFull, "when_full"),
            MaximumWaitSeconds = definition.HasMaximumWaitSeconds ? definition.MaximumWaitSeconds : null,
            WhenMaximumWait = Parse<QueueExitAction>(definition.WhenMaximumWait, "when_maximum_wait"),
            Status = Parse<Routing.Configuration.QueueStatus>(definition.Status, "status"),
            WhenClosed = Parse<QueueExitAction>(definition.WhenClosed, "when_closed"),
            OverflowQueue = RequestChecks.OptionalId(definition.OverflowQueueId, "overflow_queue_id"),
            Relaxation = definition.Relaxation.Select((step, i) => new RelaxationSettings
            {
                AfterSeconds = step.AfterSeconds,
                RequiredSkills = Requirements(step.RequiredSkills, $"relaxation[{i}].required_skills"),
            }).ToList(),
            AgentSelection = Parse<AgentSelection>(definition.AgentSelection, "agent_selection"),
            PreferredAgentTimeoutSeconds = definition.HasPreferredAgentTimeoutSeconds ? definition.PreferredAgentTimeoutSeconds : 20,
            HeadStartSeconds = definition.HeadStartSeconds,
            Priority = definition.Priority,
        };
        RequestChecks.Count(definition.Relaxation.Count, "relaxation");
        return settings.ToConfig();
    }

    private static List<SkillRequirementSettings> Requirements(IList<Protos.V1.SkillRequirement> requirements, string field)
    {
        RequestChecks.Count(requirements.Count, field);
        return requirements.Select((r, i) => new SkillRequirementSettings
        {
            Skill = RequestChecks.Id(r.SkillId, $"{field}[{i}].skill_id"),
            MinimumLevel = r.MinimumLevel,
        }).ToList();
    }

    private static T Parse<T>(string name, string field) where T : struct, Enum =>
        string.IsNullOrEmpty(name) ? default
        : Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(name, out _) ? value
        : throw RequestChecks.Invalid(field, $"must be one of {string.Join(", ", Enum.GetNames<T>())}");
}
