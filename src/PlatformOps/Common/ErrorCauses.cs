using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;

namespace PlatformOps.Common
{
    /// <summary>
    /// Says in our own words why a connection failed. Client libraries wrap the real cause in advice meant for their
    /// programmers ("use abortConnect=false in your connection string", "The requested failed, see inner exception
    /// for details"); an operator needs the cause: refused, no answer, no such socket, name not found.
    /// </summary>
    internal static class ErrorCauses
    {
        // Library text that is advice to a programmer or a wrapper around the real cause, never shown to a user.
        private static readonly string[] Wrappers =
        {
            "inner exception", "abortConnect", "AbortOnConnectFail", "It was not possible to connect to the redis",
            "An error occurred while sending the request", "One or more errors occurred", "The operation was canceled",
            "A task was canceled", "Connection failed", "No connection is active/available", "multiplexer",
        };

        /// <summary>True when a message is a library's wrapper or programmer advice rather than a cause.</summary>
        public static bool IsWrapper(string? message)
            => string.IsNullOrWhiteSpace(message) || Wrappers.Any(w => message!.IndexOf(w, StringComparison.OrdinalIgnoreCase) >= 0);

        /// <summary>True when a write failed because the disk is full (ENOSPC on Unix, ERROR_DISK_FULL on Windows).</summary>
        public static bool IsDiskFull(IOException ex)
            => ex.Message.IndexOf("No space left", StringComparison.OrdinalIgnoreCase) >= 0 || (ex.HResult & 0xFFFF) == 28 || (ex.HResult & 0xFFFF) == 112;

        /// <summary>Every exception in the chain, outermost first (an AggregateException's inner ones included).</summary>
        public static IEnumerable<Exception> Chain(Exception? ex)
        {
            var seen = 0;
            while (ex != null && seen++ < 20)
            {
                yield return ex;
                if (ex is AggregateException agg && agg.InnerExceptions.Count > 0)
                {
                    foreach (var inner in agg.InnerExceptions.Skip(1)) foreach (var e in Chain(inner)) yield return e;
                    ex = agg.InnerExceptions[0];
                }
                else ex = ex.InnerException;
            }
        }

        /// <summary>The cause in our words, or null when the chain holds nothing but wrappers.</summary>
        public static string? Describe(Exception ex, TimeSpan? timeout = null)
        {
            var chain = Chain(ex).ToList();
            var api = chain.OfType<Docker.DotNet.DockerApiException>().FirstOrDefault();
            if (api != null) return $"the engine answered {(int)api.StatusCode} {api.StatusCode}: {DockerMessage(api.ResponseBody)}";
            var socket = chain.OfType<SocketException>().LastOrDefault();
            if (socket != null) return Socket(socket, timeout);
            var ownTimeout = chain.OfType<TimeoutException>().FirstOrDefault(e => !IsWrapper(e.Message) && !e.GetType().FullName!.StartsWith("StackExchange", StringComparison.Ordinal));
            if (ownTimeout != null) return ownTimeout.Message.TrimEnd('.');
            if (chain.Any(e => e is TimeoutException || e is OperationCanceledException))
                return timeout == null ? "no answer in time" : $"no answer within {Seconds(timeout.Value)}";
            var io = chain.OfType<IOException>().LastOrDefault(e => !IsWrapper(e.Message));
            if (io != null) return io.Message.TrimEnd('.');
            var own = chain.Select(e => e.Message).LastOrDefault(m => !IsWrapper(m));
            return own?.Replace("\r", " ").Replace("\n", " ").Trim().TrimEnd('.');
        }

        /// <summary>A socket error as an operator reads it.</summary>
        public static string Socket(SocketException ex, TimeSpan? timeout = null) => ex.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused (nothing listens there)",
            SocketError.TimedOut => timeout == null ? "no answer in time" : $"no answer within {Seconds(timeout.Value)}",
            SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the host name does not resolve",
            SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown => "the host or its network is unreachable",
            SocketError.AccessDenied => "permission denied",
            SocketError.ConnectionReset or SocketError.ConnectionAborted => "the connection was closed by the other side",
            _ => ex.Message.TrimEnd('.'),
        };

        /// <summary>
        /// When a library says only that it could not connect: a plain TCP connect tells refused from silent from
        /// reachable (then the server answered, but not as the protocol expected).
        /// </summary>
        public static string Probe(string host, int port, TimeSpan timeout, string protocol)
        {
            try
            {
                using var client = new TcpClient();
                var connect = client.ConnectAsync(host, port);
                if (!connect.Wait(timeout)) return $"no answer within {Seconds(timeout)}";
                return $"{host}:{port} accepts connections but did not answer as {protocol} in time";
            }
            catch (AggregateException agg) when (agg.InnerException is SocketException s)
            {
                return Socket(s, timeout);
            }
            catch (SocketException s)
            {
                return Socket(s, timeout);
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is ArgumentException)
            {
                return "no connection could be made";
            }
        }

        /// <summary>The "message" of a Docker engine's JSON error body, else the body itself.</summary>
        internal static string DockerMessage(string? body)
        {
            if (string.IsNullOrWhiteSpace(body)) return "no detail";
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(body!);
                if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String)
                    return m.GetString()!.Trim();
            }
            catch (System.Text.Json.JsonException)
            {
            }
            return body!.Trim();
        }

        private static string Seconds(TimeSpan t)
            => t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0} ms" : $"{t.TotalSeconds:0.#} s";
    }
}

namespace PlatformOps.Common
{
    /// <summary>Path problems that are not permissions: a file where a folder is needed.</summary>
    internal static class PathChecks
    {
        /// <summary>The file that stands where <paramref name="folder"/> or one of its parents should be a folder, else null.</summary>
        public static string? FileInTheWay(string folder)
        {
            try
            {
                var path = System.IO.Path.GetFullPath(folder);
                while (!string.IsNullOrEmpty(path))
                {
                    if (System.IO.File.Exists(path)) return path;
                    if (System.IO.Directory.Exists(path)) return null;
                    path = System.IO.Path.GetDirectoryName(path);
                }
            }
            catch (Exception ex) when (ex is ArgumentException || ex is System.IO.IOException || ex is NotSupportedException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
            }
            return null;
        }
    }
}
