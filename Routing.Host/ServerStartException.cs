namespace CallCenter.Routing.Host;

/// <summary>
/// Why the server cannot start, in one line that names what is at fault and what to do. The
/// server prints it as it is, without a stack trace: the trace would only bury the line.
/// </summary>
public sealed class ServerStartException(string message, Exception? cause = null) : Exception(message, cause);
