using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CallCenter.Routing.Host;

/// <summary>
/// Free loopback ports for a server of its own (the demo, the benchmarks, the tests), and the
/// arguments that put its gRPC (HTTP/2 without TLS) and HTTP/1.1 endpoints there.
/// </summary>
public sealed record LoopbackEndpoints(int GrpcPort, int HttpPort)
{
    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort}";

    public string HttpAddress => $"http://127.0.0.1:{HttpPort}";

    public static LoopbackEndpoints Free() => new(FreePort(), FreePort());

    /// <summary>The arguments that put the server's endpoints here.</summary>
    public IEnumerable<string> Arguments() =>
    [
        $"--Kestrel:Endpoints:Grpc:Url={GrpcAddress}",
        "--Kestrel:Endpoints:Grpc:Protocols=Http2",
        $"--Kestrel:Endpoints:Http:Url={HttpAddress}",
        "--Kestrel:Endpoints:Http:Protocols=Http1",
    ];

    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    /// <summary>
    /// A loopback port free now and never handed out before by this process. It is taken below the
    /// system's ephemeral range, so the outgoing connections of the servers started on it (to
    /// PostgreSQL, to their peers) cannot take it between this check and the server's bind.
    /// </summary>
    public static int FreePort()
    {
        var ceiling = EphemeralRangeStart();
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, ceiling);
            if (HandedOut.TryAdd(port, 0) && IsFree(port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int LowestPort = 10_000;

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        var text = File.Exists(range) ? File.ReadAllText(range) : "";
        var first = text.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return int.TryParse(first, out var start) && start > LowestPort + 1_000 ? start : 32_768;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
