using System.Diagnostics;
using System.Globalization;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>CPU time of the whole machine and of this process, read between two moments, in cores used.</summary>
internal sealed class MachineLoad
{
    private (double Busy, double Total) _machine = ReadMachine();
    private double _own = OwnSeconds();
    private long _at = Stopwatch.GetTimestamp();

    /// <summary>Cores busy on the whole machine and in this process since the last call.</summary>
    public (double Machine, double Generator) Next()
    {
        var machine = ReadMachine();
        var own = OwnSeconds();
        var at = Stopwatch.GetTimestamp();
        var seconds = (at - _at) / (double)Stopwatch.Frequency;
        var total = machine.Total - _machine.Total;
        var result = (
            total <= 0 ? double.NaN : (machine.Busy - _machine.Busy) / total * Environment.ProcessorCount,
            seconds <= 0 ? double.NaN : (own - _own) / seconds);
        (_machine, _own, _at) = (machine, own, at);
        return result;
    }

    private static double OwnSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The first line of /proc/stat: busy and total jiffies of all cores; zeros where there is none.</summary>
    private static (double Busy, double Total) ReadMachine()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Take(8).Sum();
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}
