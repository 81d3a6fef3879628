using System.Collections.Concurrent;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Routing.Host.Edge;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace CallCenter.Routing.Host.Identity;

/// <summary>
/// Every RPC's check of who calls: the token is validated once per call (a stream's at its start),
/// its role must be one the method allows, an agent acts only as itself and a token for one routing
/// domain reaches that domain alone. The gateway's own id and the agents named inside streams are
/// checked by their services with <see cref="IdentityOf"/>. A client over its share of calls is
/// refused RESOURCE_EXHAUSTED (<see cref="ClientRateLimits"/>).
/// </summary>
public sealed class EdgeAuthorization(IdentitySettings settings, ClientRateLimits limits) : Interceptor
{
    private const string IdentityKey = "callcenter.identity";

    private static readonly EdgeRole[] Operators = [EdgeRole.Supervisor, EdgeRole.Admin];

    /// <summary>The roles each service allows, by the service's full name; methods not named here allow everyone (health, reflection).</summary>
    private static readonly Dictionary<string, EdgeRole[]> ServiceRoles = new(StringComparer.Ordinal)
    {
        ["callcenter.v1.Gateway"] = [EdgeRole.Gateway],
        ["callcenter.v1.Softphone"] = [EdgeRole.Agent],
        ["callcenter.v1.RoutingState"] = Operators,
        ["callcenter.v1.Reports"] = Operators,
    };

    /// <summary>Methods that change the configuration: admins only.</summary>
    private static readonly HashSet<string> AdminMethods = new(StringComparer.Ordinal)
    {
        "/callcenter.v1.RoutingState/PutAgentProfile",
        "/callcenter.v1.RoutingState/PutQueue",
        "/callcenter.v1.RoutingState/PutSkill",
    };

    /// <summary>Who the call's token speaks for; null for a call without a token where none is required.</summary>
    public static EdgeIdentity? IdentityOf(ServerCallContext context) =>
        context.UserState.TryGetValue(IdentityKey, out var identity) ? (EdgeIdentity?)identity : null;

    private static readonly EdgeRole[] AdminOnly = [EdgeRole.Admin];

    /// <summary>Each method's roles, worked out at its first call rather than at every call.</summary>
    private static readonly ConcurrentDictionary<string, EdgeRole[]?> RolesByMethod = new(StringComparer.Ordinal);

    /// <summary>The roles <paramref name="method"/> (its full gRPC name) allows; null when it allows everyone.</summary>
    public static IReadOnlyList<EdgeRole>? RolesFor(string method) => RolesByMethod.GetOrAdd(method, static named =>
        AdminMethods.Contains(named)
            ? AdminOnly
            : ServiceRoles.GetValueOrDefault(named.Split('/', StringSplitOptions.RemoveEmptyEntries) is [var service, ..] ? service : ""));

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context, request);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context, request);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context, request: null);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context, request: null);
        await continuation(requestStream, responseStream, context);
    }

    private async Task CheckAsync(ServerCallContext context, object? request)
    {
        var roles = RolesFor(context.Method);
        if (roles is null)
        {
            return;
        }

        try
        {
            var identity = await AuthenticateAsync(context);
            if (identity is null)
            {
                return;
            }

            context.UserState[IdentityKey] = identity;
            Authorize(identity, context, roles, request);
            if (!limits.TryTake(identity))
            {
                throw new BadRequestException(StatusCode.ResourceExhausted, "",
                    $"{EdgeClaims.Name(identity.Role)} '{identity.Subject}' makes more calls than its share ({settings.ClientCallsPerSecond} a second, {settings.ClientCallBurst} at once); slow down");
            }
        }
        catch (BadRequestException refused)
        {
            throw refused.ToRpcException();
        }
    }

    private async Task<EdgeIdentity?> AuthenticateAsync(ServerCallContext context)
    {
        var result = await context.GetHttpContext().AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.None)
        {
            return settings.RequireTokens
                ? throw RequestChecks.Unauthenticated("no token: send the header 'authorization: Bearer <token>'")
                : null;
        }

        if (!result.Succeeded)
        {
            throw RequestChecks.Unauthenticated($"the token is not valid: {Reason(result.Failure)}");
        }

        return EdgeTokens.IdentityOf(result.Principal)
            ?? throw RequestChecks.Unauthenticated("the token names no subject, or no role of gateway, agent, supervisor or admin");
    }

    private static void Authorize(EdgeIdentity identity, ServerCallContext context, IReadOnlyList<EdgeRole> roles, object? request)
    {
        if (!roles.Contains(identity.Role))
        {
            throw RequestChecks.PermissionDenied("",
                $"a token of role {EdgeClaims.Name(identity.Role)} may not call {context.Method} (it takes {string.Join(" or ", roles.Select(EdgeClaims.Name))})");
        }

        // A gateway names its domain in its hello, checked by its service.
        if (identity.Role != EdgeRole.Gateway)
        {
            var header = context.RequestHeaders.GetValue(DomainClient.DomainHeader);
            identity.MustReach(string.IsNullOrEmpty(header) ? DomainEvents.DefaultDomain : header, DomainClient.DomainHeader);
        }

        if (identity.Role == EdgeRole.Agent && request is IMessage message
            && message.Descriptor.FindFieldByName("agent_id") is { } field
            && field.Accessor.GetValue(message) is string agent)
        {
            identity.MustActAs(agent, "agent_id");
        }
    }

    /// <summary>Why a token was refused, in the validator's words without its help links.</summary>
    private static string Reason(Exception? failure) =>
        failure?.Message.Split(". See https", 2)[0].Split(" See https", 2)[0] ?? "refused";
}
