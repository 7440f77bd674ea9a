using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;

namespace PlatformOps.Services
{
    /// <summary>
    /// Probes HTTP health endpoints in parallel: 2xx is Healthy, slow 2xx is Degraded, anything else Unhealthy. An endpoint
    /// is untrusted: the timeout bounds the whole exchange (headers and body), and at most <see cref="MaxBodyBytes"/> of the
    /// body are read, then the connection is dropped.
    /// </summary>
    public static class ServiceProber
    {
        /// <summary>One client for the process: connection reuse keeps repeated probes cheap.</summary>
        private static readonly HttpClient Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseProxy = false })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };

        public const int DefaultDegradedAfterMs = 1000;

        /// <summary>The most of a health body that is read: enough for a status document, never an endless stream.</summary>
        public const int MaxBodyBytes = 4096;

        public static Task<ServiceCheck[]> ProbeAllAsync(IEnumerable<EndpointSettings> endpoints, TimeSpan timeout, CancellationToken cancellationToken)
            => Task.WhenAll(endpoints.Select(e => ProbeAsync(e, timeout, cancellationToken)));

        public static async Task<ServiceCheck> ProbeAsync(EndpointSettings endpoint, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var check = new ServiceCheck { Name = endpoint.Name, Url = endpoint.Url, Container = endpoint.Container };
            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                check.Status = HealthStatus.Unknown;
                check.Detail = $"'{endpoint.Url}' is not an http(s) URL";
                return check;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var clock = Stopwatch.StartNew();
            try
            {
                using var response = await Client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                check.StatusCode = (int)response.StatusCode;
                string body;
                try
                {
                    body = await ReadStartAsync(response.Content, deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    check.LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
                    check.Status = HealthStatus.Unhealthy;
                    check.Detail = $"HTTP {check.StatusCode}, but the body did not finish within {timeout.TotalSeconds:0.#} s";
                    return check;
                }
                check.LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
                var snippet = Sensitive.Redact(body.Length > 200 ? body.Substring(0, 200) : body).Trim();
                if (response.IsSuccessStatusCode)
                {
                    var slowAfter = endpoint.DegradedAfterMs ?? DefaultDegradedAfterMs;
                    check.Status = check.LatencyMs > slowAfter ? HealthStatus.Degraded : HealthStatus.Healthy;
                    check.Detail = check.Status == HealthStatus.Degraded ? $"slow: {check.LatencyMs:0} ms > {slowAfter} ms" : snippet;
                }
                else
                {
                    check.Status = HealthStatus.Unhealthy;
                    check.Detail = $"HTTP {check.StatusCode} {response.ReasonPhrase}".Trim();
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                check.LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
                check.Status = HealthStatus.Unhealthy;
                check.Detail = $"no answer within {timeout.TotalSeconds:0.#} s";
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is System.IO.IOException)
            {
                check.LatencyMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
                check.Status = HealthStatus.Unhealthy;
                check.Detail = ex.InnerException is SocketException se ? $"{se.SocketErrorCode}: {se.Message}" : PlatformErrors.Reason(ex);
            }
            return check;
        }

        /// <summary>The start of a body: up to <see cref="MaxBodyBytes"/> or its end, whichever comes first, under the deadline.</summary>
        private static async Task<string> ReadStartAsync(HttpContent content, CancellationToken cancellationToken)
        {
            using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[MaxBodyBytes];
            var filled = 0;
            while (filled < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer, filled, buffer.Length - filled, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                filled += n;
            }
            return System.Text.Encoding.UTF8.GetString(buffer, 0, filled);
        }
    }
}
