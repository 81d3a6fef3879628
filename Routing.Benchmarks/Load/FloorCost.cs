namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// What a run's calls cost at the machine's floors: the CPU a bare echo spends per gRPC message
/// and a bare COPY per row, times the messages and rows the run took for each call it connected.
/// The machine's cores divided by that cost bound the calls it could connect a second if routing
/// itself were free.
/// </summary>
internal static class FloorCost
{
    /// <summary>Microseconds of CPU the floors spend on one connected call's messages and rows.</summary>
    public static double MicrosecondsPerCall(double messagesPerCall, double rowsPerCall, EchoFigures echo, CopyFigures copy) =>
        messagesPerCall * echo.CpuMicrosecondsPerMessage + rowsPerCall * copy.CpuMicrosecondsPerRow;

    /// <summary>Calls a second the cores could connect at that cost; infinity when a call costs nothing.</summary>
    public static double CallsPerSecond(double microsecondsPerCall, int cores) =>
        microsecondsPerCall > 0 ? cores * 1e6 / microsecondsPerCall : double.PositiveInfinity;
}
