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

    /// <summary>A port free now; another process could take it before it is bound, which loopback tests accept.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
