using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Agents.Operations;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;
using Grpc.Core;
using Status = Grpc.Core.Status;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// How the gRPC services reach the routing domains, wherever in the cluster each runs: a command gets
/// its outcome, a query its reply. Every message names its domain (see <see cref="Resolve"/>).
/// </summary>
public sealed class DomainClient(
    IRequiredActor<RoutingDomainActor> domain, ActorSystem system, EdgeSettings settings, RoutingDomains domains)
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

    /// <summary>The domains' shard region (or, in virtual time, their local parent).</summary>
    private IActorRef Domains => domain.ActorRef;

    /// <summary>
    /// The id of the domain a client names (<paramref name="requested"/>, empty for the default domain);
    /// an unknown one is NOT_FOUND naming <paramref name="field"/>.
    /// </summary>
    public string Resolve(string requested, string field) => domains.TryGet(requested, out var known)
        ? known.Id
        : throw new BadRequestException(StatusCode.NotFound, field,
            $"routing domain '{requested}' is not configured; known: {string.Join(", ", domains.Ids)}").ToRpcException();

    /// <summary>The request header that names the routing domain of a softphone's, an operator's or a report's request; none names the default domain.</summary>
    public const string DomainHeader = "routing-domain";

    /// <summary>The domain a request names in its <see cref="DomainHeader"/>; an unknown one is NOT_FOUND naming the header.</summary>
    public string DomainOf(ServerCallContext context) => Resolve(context.RequestHeaders.GetValue(DomainHeader) ?? "", DomainHeader);

    /// <summary><paramref name="message"/> addressed to the domain <paramref name="domainId"/> through the shard region.</summary>
    public static object To(string domainId, object message) => new ShardingEnvelope(domainId, message);

    /// <summary>Tells the domain <paramref name="domainId"/> (or, with a <see cref="StateViewProtocol.IRequest"/>, its operators' view).</summary>
    public void Tell(string domainId, object message) => Domains.Tell(To(domainId, message));

    /// <summary>Asks the domain <paramref name="domainId"/> (or, with a <see cref="StateViewProtocol.IRequest"/>, its operators' view).</summary>
    public Task<T> Ask<T>(string domainId, object message, CancellationToken cancellation) =>
        Ask<T>(Domains, To(domainId, message), cancellation);

    /// <summary>Sends a command to the domain and returns how it ended; a timeout is UNAVAILABLE.</summary>
    public async Task<Outcome> Send(string domainId, object command, CancellationToken cancellation)
    {
        var result = await Ask<CommandResult>(domainId, command, cancellation);
        return result.Outcome;
    }

    /// <summary>Sends a command; a refusal becomes an RpcException naming the field under <paramref name="prefix"/>.</summary>
    public async Task<bool> Execute(string domainId, object command, string prefix, CancellationToken cancellation)
    {
        var outcome = await Send(domainId, command, cancellation);
        if (!outcome.Succeeded)
        {
            throw Refusal(outcome, prefix, command).ToRpcException();
        }

        return outcome.Code == OutcomeCode.Ok;
    }

    /// <summary>
    /// The refusal of <paramref name="command"/> as the edge answers it: the field the routing side
    /// names becomes the request's field as the proto spells it, under <paramref name="prefix"/>.
    /// </summary>
    public static BadRequestException Refusal(Outcome outcome, string prefix, object? command = null) =>
        Refusal(outcome, prefix, ProtoNames, command);

    /// <param name="names">The core's names of single fields as the proto spells them, instead of the common ones.</param>
    public static BadRequestException Refusal(Outcome outcome, string prefix, IReadOnlyDictionary<string, string> names, object? command = null)
    {
        var field = command is not null && outcome.Field is { } named && FieldOf(command, named, prefix) is { } own
            ? (prefix.Length == 0 ? own : $"{prefix}.{own}")
            : RequestChecks.ProtoField(prefix, outcome.Field, names == ProtoNames ? names : new Dictionary<string, string>(ProtoNames.Concat(names)));
        return new(RequestChecks.StatusOf(outcome.Code), field, outcome.Message ?? outcome.Code.ToString());
    }

    /// <summary>Fields the routing side names by what they mean in a command, for the request field that carries it.</summary>
    private static string? FieldOf(object command, string named, string prefix) => (command, named) switch
    {
        // The gateway names the agent on the call from_agent_id; a softphone's request is its own agent's.
        (CallProtocol.Transfer, "from") => prefix == "transfer_requested" ? "from_agent_id" : "agent_id",
        (CallProtocol.Transfer t, "target") => t.ToAgent is null ? "to_queue_id" : "to_agent_id",
        (CallProtocol.Transfer, "target.queue") => "to_queue_id",
        // Another transfer under way, or a call with nothing to transfer: the call's state.
        (CallProtocol.Transfer, "transfer") => "call_id",
        (CallProtocol.CancelCallback or CallProtocol.RequestCallback, "callback") => "call_id",
        (AgentProtocol.SetAfterCall, "next") => "logged_out",
        (AgentProtocol.SetAfterCall, "next.reason") => "not_ready.reason",
        (AgentProtocol.GoNotReady, "reason") => "not_ready.reason",
        _ => null,
    };

    private async Task<T> Ask<T>(IActorRef actor, object message, CancellationToken cancellation)
    {
        try
        {
            return await actor.Ask<T>(message, settings.RequestTimeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            throw RequestChecks.Unavailable("routing did not answer in time; retry").ToRpcException();
        }
    }
}
