using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>Chat, e-mail and messaging services, from their published token formats.</summary>
    internal static class MessagingRules
    {
        private const string F = "messaging";

        public static IEnumerable<SecretRule> All()
        {
            // Slack: bot/user tokens carry numeric team and user ids; xoxb-my-bot-token or xoxp-1234567890 alone are not tokens.
            yield return Token("slack-token", "Slack token", F,
                @"(?:xox[bpe](?:-[0-9]{8,14}){1,3}-[a-zA-Z0-9\-]{18,64}|xox[os]-\d+-\d+-\d+-[a-fA-F\d]{8,}|xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}(?:-[0-9a-zA-Z]{8,48})*|xapp-\d-[A-Z0-9]{8,}-\d{6,}-[a-z0-9]{16,}|xoxe\.xox[bp]-\d-[A-Z0-9]{120,200}|xoxe-\d-[A-Z0-9]{120,200})",
                new[] { "xoxb-", "xoxp-", "xoxe-", "xoxe.", "xoxa-", "xoxr-", "xoxo-", "xoxs-", "xapp-" }, 3.0, 5,
                r => "xoxb-" + Rand(r, 12, Digits) + "-" + Rand(r, 13, Digits) + "-" + Rand(r, 24));
            yield return new SecretRule("slack-webhook", "Slack incoming webhook", F,
                @"(?<secret>hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,})", new[] { "hooks.slack.com" })
            { Entropy = 3.0, Sample = r => "https://hooks.slack.com/services/T" + Rand(r, 8, Upper + Digits) + "/B" + Rand(r, 8, Upper + Digits) + "/" + Rand(r, 24) };
            yield return new SecretRule("discord-webhook", "Discord webhook", F,
                @"(?<secret>discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w\-]{60,68})", new[] { "discord.com/api/webhooks", "discordapp.com/api/webhooks" })
            { Entropy = 3.0, Sample = r => "https://discord.com/api/webhooks/" + Rand(r, 18, Digits) + "/" + Rand(r, 68, UrlSafe) };
            yield return Near("discord-bot-token", "Discord bot token", F, new[] { "discord" }, @"[MNO][A-Za-z\d_\-]{23,25}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,38}", 4.0,
                r => "M" + Rand(r, 25, UrlSafe) + "." + Rand(r, 6, UrlSafe) + "." + Rand(r, 38, UrlSafe));
            yield return Near("discord-client-secret", "Discord client secret or API key", F, new[] { "discord" }, @"[a-f0-9]{64}|[a-z0-9=_\-]{32}", 3.0, S("", 32, UrlSafe));
            yield return new SecretRule("microsoft-teams-webhook", "Microsoft Teams incoming webhook", F,
                @"(?<secret>https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36}(?:/[\w\-]+)?)", new[] { "webhook.office.com" })
            { Entropy = 3.0, Options = System.Text.RegularExpressions.RegexOptions.IgnoreCase, Sample = r => "https://contoso.webhook.office.com/webhookb2/" + Uuid(r) + "@" + Uuid(r) + "/IncomingWebhook/" + Rand(r, 32, Hex) + "/" + Uuid(r) };
            yield return Near("telegram-bot-token", "Telegram bot token", F, new[] { "telegr", "tg_bot", "bot_token", "bottoken" }, @"[0-9]{5,16}:A[a-zA-Z0-9_\-]{34}", 3.0, r => Rand(r, 10, Digits) + ":AA" + Rand(r, 33, UrlSafe), true);
            yield return Token("telegram-bot-token-shape", "Telegram bot token", F, @"[0-9]{8,10}:AA[a-zA-Z0-9_\-]{33}", new[] { ":AA" }, 3.5, 0, r => Rand(r, 10, Digits) + ":AA" + Rand(r, 33, UrlSafe));
            yield return Near("mattermost-access-token", "Mattermost access token", F, new[] { "mattermost" }, "[a-z0-9]{26}", 3.0, S("", 26, Lower + Digits));
            // Twilio's SK... key has a two-letter prefix: too common a keyword for the pre-filter, so a Twilio name must be near.
            yield return Near("twilio-api-key", "Twilio API key or auth token", F, new[] { "twilio" }, "SK[0-9a-fA-F]{32}|[a-f0-9]{32}", 3.0, S("SK", 32, Hex), true);
            yield return Token("sendgrid-key", "SendGrid API key", F, @"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}", new[] { "SG." }, 3.0, 3, r => "SG." + Rand(r, 22, UrlSafe) + "." + Rand(r, 43, UrlSafe));
            yield return Token("sendinblue-api-token", "Brevo (Sendinblue) API key", F, "xkeysib-[a-f0-9]{64}-[a-zA-Z0-9]{16}", new[] { "xkeysib-" }, 3.0, 8, r => "xkeysib-" + Rand(r, 64, Hex) + "-" + Rand(r, 16));
            yield return Token("mailgun-key", "Mailgun API key", F, "key-[a-f0-9]{32}", new[] { "key-" }, 3.0, 4, S("key-", 32, Hex));
            yield return Near("mailgun-signing-key", "Mailgun key", F, new[] { "mailgun" }, @"(?:pubkey-)?[a-f0-9]{32}|[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}", 3.0, r => Rand(r, 32, Hex) + "-" + Rand(r, 8, Hex) + "-" + Rand(r, 8, Hex));
            yield return Token("mailchimp-api-key", "Mailchimp API key", F, "[a-f0-9]{32}-us[0-9]{1,2}", new[] { "-us" }, 3.0, 0, r => Rand(r, 32, Hex) + "-us" + r.Next(1, 21));
            yield return Token("mandrill-api-key", "Mailchimp Transactional (Mandrill) key", F, @"md-[A-Za-z0-9_\-]{22}", new[] { "md-" }, 3.5, 3, S("md-", 22, UrlSafe));
            yield return Near("postmark-token", "Postmark server token", F, new[] { "postmark" }, "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", 3.0, Uuid);
            yield return Near("messagebird-api-token", "MessageBird access key", F, new[] { "messagebird", "message_bird", "message-bird" }, "[a-z0-9]{25}", 3.0, S("", 25, Lower + Digits));
            yield return Near("intercom-api-key", "Intercom access token", F, new[] { "intercom" }, @"[a-z0-9=_\-]{60}", 3.0, S("", 60, UrlSafe));
            yield return Near("zendesk-secret-key", "Zendesk API token", F, new[] { "zendesk" }, "[a-z0-9]{40}", 3.0, S("", 40, Lower + Digits));
            yield return Near("sendbird-access-token", "Sendbird API token", F, new[] { "sendbird" }, "[a-f0-9]{40}", 3.0, S("", 40, Hex));
            yield return Near("pusher-secret", "Pusher / Ably key", F, new[] { "pusher", "ably" }, "[a-f0-9]{20}|[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{6}:[A-Za-z0-9_\\-]{43}", 3.0, S("", 20, Hex));
            yield return Near("vonage-api-secret", "Vonage / Nexmo API secret", F, new[] { "nexmo", "vonage" }, "[A-Za-z0-9]{16}", 3.0, S("", 16), true);
            yield return Near("plivo-auth-token", "Plivo auth token", F, new[] { "plivo" }, "[A-Za-z0-9]{40}", 3.5, S("", 40), true);
        }
    }
}
