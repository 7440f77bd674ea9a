using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>
    /// Services whose keys have no distinctive prefix: the value must be assigned to a name that mentions the service
    /// (ADAFRUIT_KEY=..., "dropbox_token": "..."). Each row: id, description, service words, value shape, entropy, sample.
    /// </summary>
    internal static class SaasRules
    {
        private const string F = "saas";

        public static IEnumerable<SecretRule> All()
        {
            yield return Near("adafruit-api-key", "Adafruit IO key", F, new[] { "adafruit" }, @"(?:aio_)?[a-z0-9_\-]{28,32}", 3.0, S("aio_", 28, Alnum));
            yield return Near("adobe-client-secret", "Adobe client id or secret", F, new[] { "adobe" }, @"p8e-[a-z0-9]{32}|[a-f0-9]{32}", 3.0, S("p8e-", 32, Lower + Digits));
            yield return Token("adobe-secret", "Adobe client secret", F, "p8e-[A-Za-z0-9]{32}", new[] { "p8e-" }, 3.0, 4, S("p8e-", 32));
            yield return Near("airtable-api-key", "Airtable API key or token", F, new[] { "airtable" }, @"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}|key[a-zA-Z0-9]{14}|[a-z0-9]{17}", 3.0, r => "pat" + Rand(r, 14) + "." + Rand(r, 64, Hex), true);
            yield return Near("algolia-api-key", "Algolia API key", F, new[] { "algolia" }, "[a-z0-9]{32}", 3.0, S("", 32, Hex));
            yield return Near("asana-secret", "Asana client secret or token", F, new[] { "asana" }, @"[0-9]/[0-9]{16}:[A-Za-z0-9]{32}|[a-z0-9]{32}|[0-9]{16}", 3.0, S("", 32, Lower + Digits), true);
            yield return Near("beamer-api-token", "Beamer API key", F, new[] { "beamer" }, @"b_[a-z0-9=_\-]{44}", 3.0, S("b_", 44, UrlSafe));
            yield return Near("confluent-secret", "Confluent API key or secret", F, new[] { "confluent", "kafka_api", "sasl_password", "sasl.password" }, @"[a-z0-9+/]{64}|[a-z0-9]{16}", 3.5, S("", 64, Base64));
            yield return Near("contentful-delivery-api-token", "Contentful API token", F, new[] { "contentful" }, @"[a-z0-9=_\-]{43}|CFPAT-[A-Za-z0-9_\-]{43}", 3.0, S("", 43, UrlSafe));
            yield return Token("contentful-pat", "Contentful personal access token", F, @"CFPAT-[A-Za-z0-9_\-]{43}", new[] { "CFPAT-" }, 3.5, 6, S("CFPAT-", 43, UrlSafe));
            yield return Near("dropbox-api-token", "Dropbox API token", F, new[] { "dropbox" }, @"sl\.[a-z0-9\-=_]{130,140}|[a-z0-9]{11}AAAAAAAAAA[a-z0-9\-_=]{43}|[a-z0-9]{15}", 3.0, S("sl.", 135, UrlSafe));
            yield return Token("dropbox-short-lived", "Dropbox short-lived token", F, @"sl\.[A-Za-z0-9\-=_]{130,}", new[] { "sl." }, 4.0, 3, S("sl.", 135, UrlSafe));
            yield return Near("etsy-access-token", "Etsy API key", F, new[] { "etsy" }, "[a-z0-9]{24}", 3.0, S("", 24, Lower + Digits));
            yield return Near("facebook-secret", "Facebook app secret or token", F, new[] { "facebook", "fb_app", "fb_secret" }, @"[a-f0-9]{32}|\d{15,16}(?:\||%7C)[0-9a-z\-_]{27,40}|EAA[MC][a-z0-9]{100,}", 3.0, S("", 32, Hex));
            yield return Token("facebook-page-access-token", "Facebook page access token", F, "EAA[MC][A-Za-z0-9]{100,}", new[] { "EAAM", "EAAC" }, 4.0, 4, S("EAAC", 120));
            yield return Near("fastly-api-token", "Fastly API token", F, new[] { "fastly" }, @"[a-z0-9=_\-]{32}", 3.0, S("", 32, UrlSafe));
            yield return Near("finnhub-access-token", "Finnhub API key", F, new[] { "finnhub" }, "[a-z0-9]{20}", 3.0, S("", 20, Lower + Digits));
            yield return Near("flickr-access-token", "Flickr API key", F, new[] { "flickr" }, "[a-z0-9]{32}", 3.0, S("", 32, Lower + Digits));
            yield return Token("frameio-api-token", "Frame.io API token", F, @"fio-u-[a-zA-Z0-9\-_=]{64}", new[] { "fio-u-" }, 3.0, 6, S("fio-u-", 64, UrlSafe));
            yield return Near("freshbooks-access-token", "FreshBooks access token", F, new[] { "freshbooks" }, "[a-z0-9]{64}", 3.0, S("", 64, Lower + Digits));
            yield return Near("gitter-access-token", "Gitter access token", F, new[] { "gitter" }, @"[a-z0-9_\-]{40}", 3.0, S("", 40, Lower + Digits));
            yield return Near("hubspot-api-key", "HubSpot API key", F, new[] { "hubspot" }, @"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|pat-(?:na|eu)\d-[0-9a-f\-]{36}", 3.0, Uuid);
            yield return Token("hubspot-pat", "HubSpot private app token", F, @"pat-(?:na|eu)\d-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", new[] { "pat-na", "pat-eu" }, 3.0, 7, r => "pat-na1-" + Uuid(r));
            yield return Token("intra42-client-secret", "42 Intra client secret", F, "s-s4t2(?:ud|af)-[a-f0-9]{64}", new[] { "s-s4t2ud-", "s-s4t2af-" }, 3.0, 9, S("s-s4t2ud-", 64, Hex));
            yield return Token("linear-api-key", "Linear API key", F, "lin_(?:api|oauth)_[a-zA-Z0-9]{40}", new[] { "lin_api_", "lin_oauth_" }, 3.0, 8, S("lin_api_", 40));
            yield return Near("linear-client-secret", "Linear client secret", F, new[] { "linear" }, "[a-f0-9]{32}", 3.0, S("", 32, Hex));
            yield return Near("linkedin-client-secret", "LinkedIn client id or secret", F, new[] { "linkedin", "linked_in", "linked-in" }, "[a-z0-9]{16}|[a-z0-9]{14}", 3.0, S("", 16, Lower + Digits));
            yield return Near("mapbox-api-token", "Mapbox token", F, new[] { "mapbox" }, @"[ps]k\.[a-z0-9]{60}\.[a-z0-9]{22}", 3.0, r => "sk." + Rand(r, 60, Lower + Digits) + "." + Rand(r, 22, Lower + Digits));
            yield return Token("mapbox-secret-token", "Mapbox secret token", F, @"sk\.eyJ[A-Za-z0-9]{50,}\.[A-Za-z0-9_\-]{22}", new[] { "sk.eyJ" }, 4.0, 6, r => "sk.eyJ" + Rand(r, 60) + "." + Rand(r, 22, UrlSafe));
            yield return Token("maxmind-license-key", "MaxMind license key", F, "[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk", new[] { "_mmk" }, 4.0, 0, r => Rand(r, 6) + "_" + Rand(r, 29) + "_mmk");
            yield return Near("nytimes-access-token", "New York Times API key", F, new[] { "nytimes", "new-york-times", "newyorktimes" }, @"[a-z0-9=_\-]{32}", 3.0, S("", 32, Lower + Digits));
            yield return Near("rapidapi-access-token", "RapidAPI key", F, new[] { "rapidapi" }, @"[a-z0-9_\-]{50}", 3.0, S("", 50, Lower + Digits));
            yield return Near("squarespace-access-token", "Squarespace API key", F, new[] { "squarespace" }, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 3.0, Uuid);
            yield return Near("twitch-api-token", "Twitch API token", F, new[] { "twitch" }, "[a-z0-9]{30}", 3.0, S("", 30, Lower + Digits));
            yield return Near("twitter-secret", "Twitter / X API key, secret or token", F, new[] { "twitter", "twtr" }, @"[0-9]{15,25}-[a-zA-Z0-9]{20,40}|A{22}[a-zA-Z0-9%]{80,100}|[a-z0-9]{50}|[a-z0-9]{45}|[a-z0-9]{25}", 3.0, S("", 50, Lower + Digits));
            yield return Near("typeform-api-token", "Typeform token", F, new[] { "typeform" }, @"tfp_[a-z0-9\-_.=]{59}", 3.0, S("tfp_", 59, Lower + Digits));
            yield return Token("typeform-token", "Typeform token", F, @"tfp_[A-Za-z0-9\-_.=]{59}", new[] { "tfp_" }, 3.5, 4, S("tfp_", 59));
            yield return Near("salesforce-token", "Salesforce access token", F, new[] { "salesforce", "sfdc" }, @"00[A-Za-z0-9]{13}![A-Za-z0-9_.]{96}", 4.0, r => "00D" + Rand(r, 12) + "!" + Rand(r, 96), true);
            yield return Near("shopify-like-api-secret", "Trello / Miro / Figma / Zoom / Box token", F, new[] { "trello", "miro", "figma", "zoom_", "box_", "monday", "clickup", "wrike", "smartsheet" },
                @"figd_[A-Za-z0-9_\-]{40}|pk_[0-9]{6,10}_[A-Z0-9]{32}|[A-Za-z0-9_\-]{32,64}", 3.5, S("", 40), true);
            yield return Token("figma-token", "Figma personal access token", F, @"figd_[A-Za-z0-9_\-]{40}", new[] { "figd_" }, 4.0, 5, S("figd_", 40, UrlSafe));
            yield return Token("clickup-token", "ClickUp personal token", F, "pk_[0-9]{6,10}_[A-Z0-9]{32}", new[] { "pk_" }, 3.5, 3, r => "pk_" + Rand(r, 8, Digits) + "_" + Rand(r, 32, Upper + Digits));
            yield return Near("algolia-admin-key", "Segment / Mixpanel / Amplitude key", F, new[] { "segment", "mixpanel", "amplitude", "heap_", "posthog" }, @"phx_[A-Za-z0-9]{40,50}|[A-Za-z0-9]{32}", 3.5, S("", 32), true);
            yield return Token("posthog-personal-key", "PostHog personal API key", F, "phx_[A-Za-z0-9]{40,50}", new[] { "phx_" }, 4.0, 4, S("phx_", 43));
            yield return Near("generic-service-client-secret", "OAuth client secret", F, new[] { "client_secret", "clientsecret", "client-secret", "consumer_secret", "app_secret" },
                @"[A-Za-z0-9_\-.~]{16,128}", 3.5, S("", 40, UrlSafe), true);
        }
    }
}
