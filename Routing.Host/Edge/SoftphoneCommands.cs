using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Lifecycle;
using CallCenter.Routing.Model;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// A softphone's requests as agent commands, the same whether they come as unary calls or on a
/// session. On a session (<c>session</c> not null) a request's agent_id may be left empty.
/// </summary>
public static class SoftphoneCommands
{
    public static object SetState(SetStateRequest request, AgentId? session)
    {
        var agent = Agent(request.AgentId, session);
        return request.StateCase switch
        {
            SetStateRequest.StateOneofCase.Available => new AgentProtocol.MakeAvailable(agent),
            SetStateRequest.StateOneofCase.NotReady => new AgentProtocol.GoNotReady(agent, Reason(request.NotReady)),
            SetStateRequest.StateOneofCase.LoggedOut => new AgentProtocol.LogOut(agent),
            _ => throw RequestChecks.Invalid("state", "one of available, not_ready, logged_out is required"),
        };
    }

    public static object SetAfterCall(SetStateRequest request, AgentId? session)
    {
        var agent = Agent(request.AgentId, session);
        var next = request.StateCase switch
        {
            SetStateRequest.StateOneofCase.Available => AfterCall.Available,
            SetStateRequest.StateOneofCase.NotReady => AfterCall.NotReady(Reason(request.NotReady)),
            SetStateRequest.StateOneofCase.LoggedOut => AfterCall.LoggedOut,
            _ => throw RequestChecks.Invalid("state", "one of available, not_ready, logged_out is required"),
        };
        return new AgentProtocol.SetAfterCall(agent, next);
    }

    public static object LogOut(AgentRequest request, AgentId? session) => new AgentProtocol.LogOut(Agent(request.AgentId, session));

    public static object Heartbeat(AgentRequest request, AgentId? session) => new AgentProtocol.Heartbeat(Agent(request.AgentId, session));

    public static object Accept(OfferAnswer request, AgentId? session) =>
        new AgentProtocol.Accept(Agent(request.AgentId, session), Call(request.CallId), request.Epoch);

    public static object Reject(OfferAnswer request, AgentId? session) =>
        new AgentProtocol.Reject(Agent(request.AgentId, session), Call(request.CallId), request.Epoch);

    public static object EndCall(CallRequest request, AgentId? session) =>
        new AgentProtocol.HangUp(Agent(request.AgentId, session), Call(request.CallId));

    public static object FinishWrapUp(FinishWrapUpRequest request, AgentId? session)
    {
        var agent = Agent(request.AgentId, session);
        var call = RequestChecks.OptionalId(request.CallId, "call_id");
        var disposition = RequestChecks.OptionalId(request.DispositionCode, "disposition_code");
        var notes = RequestChecks.OptionalText(request.Notes, "notes");
        if (request.HasSatisfactionScore && request.SatisfactionScore is < 1 or > 5)
        {
            throw RequestChecks.Invalid("satisfaction_score", "must be between 1 and 5");
        }

        if (call is null && (disposition is not null || notes is not null || request.HasSatisfactionScore || request.Complaint))
        {
            throw RequestChecks.Invalid("call_id", "is required with a disposition, notes, a score or a complaint");
        }

        var wrapUp = call is null
            ? null
            : new CallDisposition(
                new CallId(call), agent, disposition, notes, request.HasSatisfactionScore ? request.SatisfactionScore : null, request.Complaint);
        return new AgentProtocol.FinishWrapUp(agent) { Disposition = wrapUp };
    }

    public static object Transfer(AgentTransferRequest request, AgentId? session) => GatewayEvents.ToTransfer(
        request.CallId, Agent(request.AgentId, session).Value, request.Kind, request.ToQueueId, request.ToAgentId, "", "agent_id");

    /// <summary>
    /// A command sent on a session, and the proto path its fields are named under. Opening the
    /// session again is refused: it has its agent.
    /// </summary>
    public static (object Command, string Prefix) OnSession(SoftphoneCommand command, AgentId session)
    {
        var prefix = PrefixOf(command.CommandCase);
        try
        {
            object mapped = command.CommandCase switch
            {
                SoftphoneCommand.CommandOneofCase.SetState => SetState(command.SetState, session),
                SoftphoneCommand.CommandOneofCase.SetAfterCall => SetAfterCall(command.SetAfterCall, session),
                SoftphoneCommand.CommandOneofCase.Heartbeat => Heartbeat(command.Heartbeat, session),
                SoftphoneCommand.CommandOneofCase.AcceptOffer => Accept(command.AcceptOffer, session),
                SoftphoneCommand.CommandOneofCase.RejectOffer => Reject(command.RejectOffer, session),
                SoftphoneCommand.CommandOneofCase.EndCall => EndCall(command.EndCall, session),
                SoftphoneCommand.CommandOneofCase.FinishWrapUp => FinishWrapUp(command.FinishWrapUp, session),
                SoftphoneCommand.CommandOneofCase.RequestTransfer => Transfer(command.RequestTransfer, session),
                SoftphoneCommand.CommandOneofCase.LogOut => LogOut(command.LogOut, session),
                SoftphoneCommand.CommandOneofCase.Open =>
                    throw new BadRequestException(StatusCode.FailedPrecondition, "", $"the session is already open for agent '{session}'"),
                _ => throw RequestChecks.Invalid("", "names no command"),
            };
            return (mapped, prefix);
        }
        catch (BadRequestException bad)
        {
            throw bad.Under(prefix);
        }
    }

    /// <summary>The command's field name in <see cref="SoftphoneCommand"/>: AcceptOffer → accept_offer.</summary>
    public static string PrefixOf(SoftphoneCommand.CommandOneofCase command) =>
        command == SoftphoneCommand.CommandOneofCase.None ? "command" : RequestChecks.ProtoField("", command.ToString());

    public static AgentId Agent(string id, AgentId? session)
    {
        if (session is not { } own)
        {
            return new AgentId(RequestChecks.Id(id, "agent_id"));
        }

        if (id.Length == 0 || id == own.Value)
        {
            return own;
        }

        throw RequestChecks.Invalid("agent_id", $"names '{id}', but this session is agent '{session}'");
    }

    private static CallId Call(string id) => new(RequestChecks.Id(id, "call_id"));

    private static string Reason(NotReady notReady) => RequestChecks.Id(notReady.Reason, "not_ready.reason");
}
