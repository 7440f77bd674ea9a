using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PlatformOps.Maintenance
{
    /// <summary>
    /// Tells a webhook that a run failed: one POST with a JSON body (the run's log line, which holds no secret). The
    /// URL may carry a token, so it is never logged, shown or put in an error; only its scheme and host are named.
    /// </summary>
    public static class FailureWebhook
    {
        private static readonly HttpClient Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

        /// <summary>The URL from the profile: WebhookUrl, else the first line of WebhookUrlFile; null when neither is set.</summary>
        public static string? Resolve(string? url, string? urlFile)
        {
            if (!string.IsNullOrWhiteSpace(url)) return url!.Trim();
            if (string.IsNullOrWhiteSpace(urlFile)) return null;
            try
            {
                foreach (var line in File.ReadAllLines(urlFile!))
                    if (line.Trim().Length > 0) return line.Trim();
                return null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new MaintenanceException("PlatformMaintenanceWebhookNotRead", MaintenanceErrorKind.NotFound, urlFile,
                    $"Cannot read the webhook URL file '{urlFile}': {ex.Message}", ex);
            }
        }

        /// <summary>Scheme and host of a URL, the only part of it ever shown.</summary>
        public static string Describe(string url)
            => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Host}{(uri.IsDefaultPort ? string.Empty : ":" + uri.Port)}/…" : "(not a URL)";

        /// <summary>Posts the run; returns null when the webhook took it (2xx), else why not (without the URL's path or query).</summary>
        public static async Task<string?> NotifyAsync(string url, MaintenanceRun run, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                return "the webhook URL is not an http(s) URL";
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                using var content = new StringContent(run.ToJsonLine(), Encoding.UTF8, "application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
                request.Headers.UserAgent.ParseAdd("PlatformOps-Maintenance/1");
                using var response = await Client.SendAsync(request, timer.Token).ConfigureAwait(false);
                var code = (int)response.StatusCode;
                return code >= 200 && code < 300 ? null : $"{Describe(url)} answered HTTP {code}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return $"{Describe(url)} did not answer within {timeout.TotalSeconds:0} s";
            }
            catch (HttpRequestException ex)
            {
                return $"{Describe(url)} could not be reached: {Innermost(ex)}";
            }
        }

        private static string Innermost(Exception ex)
        {
            var seen = new List<string>();
            for (var e = ex; e != null; e = e.InnerException) seen.Add(e.Message);
            return seen[seen.Count - 1];
        }
    }
}
