using System;
using System.Collections.Generic;
using System.Linq;

namespace PlatformOps.Secrets.Rules
{
    /// <summary>
    /// gitleaks' rule ids for PlatformOps' rules (where PlatformOps keeps one rule for several of gitleaks', or kept its
    /// 0.1.0 id): a .gitleaksignore fingerprint or a disabledRules entry written for gitleaks applies here too.
    /// </summary>
    internal static class GitleaksAliases
    {
        private static readonly Dictionary<string, string[]> Map = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws-access-key-id"] = new[] { "aws-access-token" },
            ["google-api-key"] = new[] { "gcp-api-key" },
            ["github-token"] = new[] { "github-pat", "github-oauth", "github-app-token", "github-refresh-token", "github-fine-grained-pat" },
            ["gitlab-token"] = new[] { "gitlab-pat", "gitlab-pat-routable", "gitlab-ptt", "gitlab-rrt", "gitlab-runner-authentication-token", "gitlab-runner-authentication-token-routable",
                "gitlab-cicd-job-token", "gitlab-deploy-token", "gitlab-feature-flag-client-token", "gitlab-feed-token", "gitlab-incoming-mail-token", "gitlab-kubernetes-agent-token",
                "gitlab-oauth-app-secret", "gitlab-scim-token" },
            ["slack-token"] = new[] { "slack-bot-token", "slack-user-token", "slack-app-token", "slack-config-access-token", "slack-config-refresh-token", "slack-legacy-bot-token",
                "slack-legacy-token", "slack-legacy-workspace-token" },
            ["slack-webhook"] = new[] { "slack-webhook-url" },
            ["stripe-key"] = new[] { "stripe-access-token" },
            ["openai-key"] = new[] { "openai-api-key" },
            ["anthropic-key"] = new[] { "anthropic-api-key", "anthropic-admin-api-key" },
            ["huggingface-token"] = new[] { "huggingface-access-token", "huggingface-organization-api-token" },
            ["npm-token"] = new[] { "npm-access-token" },
            ["sendgrid-key"] = new[] { "sendgrid-api-token" },
            ["digitalocean-pat"] = new[] { "digitalocean-access-token", "digitalocean-refresh-token" },
            ["shopify-token"] = new[] { "shopify-access-token", "shopify-custom-access-token", "shopify-private-app-access-token", "shopify-shared-secret" },
            ["vault-service-token"] = new[] { "vault-batch-token" },
            ["sentry-user-token"] = new[] { "sentry-org-token" },
            ["newrelic-key"] = new[] { "new-relic-user-api-key", "new-relic-insert-key", "new-relic-browser-api-token" },
            ["planetscale-token"] = new[] { "planetscale-api-token", "planetscale-oauth-token", "planetscale-password" },
            ["square-token"] = new[] { "square-access-token" },
            ["easypost-api-token"] = new[] { "easypost-test-api-token" },
            ["flutterwave-key"] = new[] { "flutterwave-secret-key", "flutterwave-public-key", "flutterwave-encryption-key" },
            ["telegram-bot-token"] = new[] { "telegram-bot-api-token" },
            ["twitter-secret"] = new[] { "twitter-api-key", "twitter-api-secret", "twitter-access-token", "twitter-access-secret", "twitter-bearer-token" },
            ["facebook-secret"] = new[] { "facebook-access-token" },
            ["mailgun-key"] = new[] { "mailgun-private-api-token" },
            ["mailgun-signing-key"] = new[] { "mailgun-pub-key" },
            ["private-key-unterminated"] = new[] { "private-key" },
            ["secret-assignment"] = new[] { "generic-api-key" },
            ["password-assignment"] = new[] { "generic-api-key", "database-password" },
            ["kubernetes-secret"] = new[] { "kubernetes-secret-yaml" },
            ["artifactory-api-key"] = new[] { "artifactory-reference-token" },
            ["jfrog-token"] = new[] { "jfrog-api-key", "jfrog-identity-token" },
            ["sonar-api-token"] = new[] { "sonar-api-token" },
            ["onepassword-secret-key"] = new[] { "1password-secret-key" },
            ["onepassword-service-account-token"] = new[] { "1password-service-account-token" },
        };

        /// <summary>The rule's own id and the gitleaks ids it stands for.</summary>
        public static IEnumerable<string> IdsOf(string rule)
            => Map.TryGetValue(rule, out var aliases) ? new[] { rule }.Concat(aliases) : new[] { rule };
    }
}
