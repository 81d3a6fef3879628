using Akka.Actor;
using Akka.Hosting;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;
using Grpc.Core;
using Status = Grpc.Core.Status;

namespace CallCenter.Routing.Host.Edge;

/// <summary>How the gRPC services reach the actors: a command gets its outcome, a query its reply.</summary>
public sealed class DomainClient(
    IRequiredActor<RoutingDomainActor> domain, IRequiredActor<StateViewActor> stateView, ActorSystem system, EdgeSettings settings)
{
    /// <summary>Core field names as the protos spell them.</summary>
    private static readonly Dictionary<string, string> ProtoNames = new()
    {
        ["call"] = "call_id",
        ["callId"] = "call_id",
        ["agent"] = "agent_id",
        ["agentId"] = "agent_id",
        ["queue"] = "queue_id",
        ["queueId"] = "queue_id",
        ["tier"] = "tier_id",
        ["skill"] = "skill_id",
        ["extraSkills"] = "required_skills",
        ["preferredAgent"] = "preferred_agent_id",
        ["overflowQueue"] = "overflow_queue_id",
    };

    public ActorSystem System { get; } = system;

    public IActorRef Domain { get; } = domain.ActorRef;

    public IActorRef StateView { get; } = stateView.ActorRef;

    /// <summary>Sends a command to the domain and returns how it ended; a timeout is UNAVAILABLE.</summary>
    public async Task<Outcome> Send(object command, CancellationToken cancellation)
    {
        var result = await Ask<CommandResult>(Domain, command, cancellation);
        return result.Outcome;
    }

    /// <summary>Sends a command; a refusal becomes an RpcException naming the field under <paramref name="prefix"/>.</summary>
    public async Task<bool> Execute(object command, string prefix, CancellationToken cancellation)
    {
        var outcome = await Send(command, cancellation);
        if (!outcome.Succeeded)
        {
            throw Refusal(outcome, prefix).ToRpcException();
        }

        return outcome.Code == OutcomeCode.Ok;
    }

    public static BadRequestException Refusal(Outcome outcome, string prefix) =>
        new(RequestChecks.StatusOf(outcome.Code), RequestChecks.ProtoField(prefix, outcome.Field, ProtoNames), outcome.Message ?? outcome.Code.ToString());

    public async Task<T> Ask<T>(IActorRef actor, object message, CancellationToken cancellation)
    {
        try
        {
            return await actor.Ask<T>(message, settings.RequestTimeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "routing did not answer in time; retry"));
        }
    }
}
