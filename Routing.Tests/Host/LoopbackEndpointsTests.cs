using System.Net;
using System.Net.Sockets;
using CallCenter.Routing.Host;
using NUnit.Framework;

namespace CallCenter.Routing.Tests.Host;

public sealed class LoopbackEndpointsTests
{
    [Test]
    public void Free_ports_are_distinct_bindable_and_below_the_range_outgoing_connections_take_theirs_from()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => LoopbackEndpoints.FreePort()).ToList();

        Assert.That(ports, Is.Unique);
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        Assert.That(ports, Has.All.LessThan(ephemeralStart));
        foreach (var port in ports.Take(20))
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            Assert.DoesNotThrow(listener.Start, $"port {port}");
        }
    }
}
