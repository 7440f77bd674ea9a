using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>Cloud providers and infrastructure services, from their published token formats.</summary>
    internal static class CloudRules
    {
        private const string F = "cloud";

        public static IEnumerable<SecretRule> All()
        {
            yield return Token("aws-access-key-id", "AWS access key id", F, "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
                new[] { "AKIA", "ASIA", "ABIA", "ACCA", "A3T" }, 3.0, 4, S("AKIA", 16, Upper + "234567"));
            yield return Near("aws-secret-access-key", "AWS secret access key", F, new[] { "aws", "secret_access_key", "secretaccesskey" },
                "[A-Za-z0-9/+]{40}", 4.0, S("", 40, Base64), caseSensitiveValue: true);
            yield return Token("aws-bedrock-api-key", "Amazon Bedrock API key", F, "ABSK[A-Za-z0-9+/]{109,269}={0,2}", new[] { "ABSK" }, 4.0, 4,
                r => "ABSK" + Rand(r, 132, Base64));
            yield return Token("google-api-key", "Google (GCP, Firebase, Gemini) API key", F, @"AIza[\w\-]{35}", new[] { "AIza" }, 4.0, 4, S("AIza", 35, UrlSafe));
            yield return Token("gcp-oauth-secret", "Google OAuth client secret", F, @"GOCSPX-[\w\-]{28}", new[] { "GOCSPX-" }, 3.5, 7, S("GOCSPX-", 28, UrlSafe));
            yield return Token("gcp-oauth-refresh-token", "Google OAuth refresh token", F, @"1//0[\w\-]{60,120}", new[] { "1//0" }, 4.0, 4, S("1//0", 90, UrlSafe));
            yield return new SecretRule("azure-ad-client-secret", "Azure AD (Entra ID) client secret", F,
                @"(?:^|[\\'""`\s>=:(,)])(?<secret>[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.\-]{31,34})(?=$|[\\'""`\s<),;])", new[] { "Q~" })
            { Entropy = 3.0, Sample = r => Rand(r, 3) + "8Q~" + Rand(r, 34, Alnum + "_~.") };
            yield return new SecretRule("azure-storage-key", "Azure storage or Cosmos DB account key", F,
                @"(?i:AccountKey)\s*=\s*(?<secret>[A-Za-z0-9+/]{86}==)", new[] { "AccountKey" })
            { Entropy = 4.0, Sample = r => "DefaultEndpointsProtocol=https;AccountName=" + Rand(r, 10, Lower) + ";AccountKey=" + Rand(r, 86, Base64) + "==;EndpointSuffix=core.windows.net" };
            yield return Near("azure-storage-key-named", "Azure storage or Cosmos DB account key", F,
                new[] { "azure", "storage", "cosmos", "account_key", "accountkey", "primary_key", "primarykey", "masterkey", "master_key" },
                "[A-Za-z0-9+/]{86}==", 4.0, r => Rand(r, 86, Base64) + "==", true);
            yield return new SecretRule("azure-sas-token", "Azure shared access signature (sig=) in a URL or connection string", F,
                @"(?i)(?:[?&;]|^|[""'\s])(?:sv|se|sp|sr|st|spr|ss|srt)=[^&\s""']*(?:&(?:amp;)?[a-z]+=[^&\s""']*)*&(?:amp;)?sig=(?<secret>[A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})",
                new[] { "sig=" })
            { Entropy = 3.5, Sample = r => "https://" + Rand(r, 8, Lower) + ".blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig=" + Rand(r, 43, Alnum) + "%3D" };
            yield return new SecretRule("azure-service-bus-key", "Azure Service Bus / Event Hubs shared access key", F,
                @"(?i:SharedAccessKey)\s*=\s*(?<secret>[A-Za-z0-9+/]{43}=)", new[] { "SharedAccessKey=" })
            { Entropy = 4.0, Sample = r => "Endpoint=sb://" + Rand(r, 8, Lower) + ".servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + Rand(r, 43, Base64) + "=" };
            yield return Near("azure-devops-pat", "Azure DevOps personal access token", F, new[] { "azure", "devops", "ado_", "vsts", "AZURE_DEVOPS" },
                "[a-z2-7]{52}", 3.8, S("", 52, Lower + "234567"), true);
            yield return Token("azure-devops-pat-v2", "Azure DevOps personal access token", F, "[A-Za-z0-9]{52}JQQJ9[9A-D][A-Za-z0-9]{26}", new[] { "JQQJ9" }, 4.0, 0,
                r => Rand(r, 52) + "JQQJ99" + Rand(r, 26));
            yield return Token("azure-apim-key", "Azure API Management / Cognitive Services key (APIM~)", F, @"APIM~[A-Za-z0-9_\-]{40,90}", new[] { "APIM~" }, 4.0, 5, S("APIM~", 52, UrlSafe));
            yield return Token("digitalocean-pat", "DigitalOcean personal access token", F, "do[por]_v1_[a-f0-9]{64}", new[] { "dop_v1_", "doo_v1_", "dor_v1_" }, 3.0, 7, S("dop_v1_", 64, Hex));
            yield return Token("alibaba-access-key-id", "Alibaba Cloud AccessKey ID", F, "LTAI[A-Za-z0-9]{12,20}", new[] { "LTAI" }, 3.0, 4, S("LTAI", 20));
            yield return Near("alibaba-secret-key", "Alibaba Cloud AccessKey secret", F, new[] { "alibaba", "aliyun", "access_key_secret", "accesskeysecret" }, "[a-z0-9]{30}", 3.5, S("", 30, Lower + Digits));
            yield return Near("heroku-api-key", "Heroku API key", F, new[] { "heroku" }, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 3.0, Uuid);
            yield return Token("heroku-api-key-v2", "Heroku API key", F, @"HRKU-AA[\w\-]{58}", new[] { "HRKU-AA" }, 4.0, 7, S("HRKU-AA", 58, UrlSafe));
            yield return Near("cloudflare-api-key", "Cloudflare API token or global key", F, new[] { "cloudflare", "cf_api", "CF_TOKEN" }, @"[a-z0-9_\-]{40}|[a-f0-9]{37}", 3.5, S("", 40, UrlSafe));
            yield return Token("cloudflare-origin-ca-key", "Cloudflare Origin CA key", F, "v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}", new[] { "v1.0-" }, 3.0, 5, r => "v1.0-" + Rand(r, 24, Hex) + "-" + Rand(r, 146, Hex));
            yield return Token("flyio-access-token", "Fly.io access token", F, @"(?:fo1_[\w\-]{43}|fm[12][ar]?_[a-zA-Z0-9+/]{100,}={0,3})", new[] { "fo1_", "fm1a_", "fm1r_", "fm2_" }, 4.0, 4, S("fo1_", 43, UrlSafe));
            yield return Token("hashicorp-tf-api-token", "HashiCorp Terraform Cloud API token", F, @"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9\-_=]{60,70}", new[] { "atlasv1" }, 3.5, 0,
                r => Rand(r, 14) + ".atlasv1." + Rand(r, 67, UrlSafe));
            yield return Token("vault-service-token", "HashiCorp Vault token", F, @"(?:hv[sbr]\.[\w\-]{90,300}|hvs\.[A-Za-z0-9]{24})", new[] { "hvs.", "hvb.", "hvr." }, 3.5, 4, S("hvs.", 96, UrlSafe));
            yield return Near("vault-legacy-token", "HashiCorp Vault token (legacy s.)", F, new[] { "vault" }, "s\\.[A-Za-z0-9]{24}", 3.5, S("s.", 24), true);
            yield return Token("pulumi-api-token", "Pulumi access token", F, "pul-[a-f0-9]{40}", new[] { "pul-" }, 3.0, 4, S("pul-", 40, Hex));
            yield return Token("scalingo-api-token", "Scalingo API token", F, @"tk-us-[\w\-]{48}", new[] { "tk-us-" }, 3.0, 6, S("tk-us-", 48, UrlSafe));
            yield return Token("planetscale-token", "PlanetScale token or password", F, @"pscale_(?:tkn|oauth|pw)_[\w=.\-]{32,64}", new[] { "pscale_tkn_", "pscale_oauth_", "pscale_pw_" }, 3.0, 11, S("pscale_tkn_", 43, UrlSafe));
            yield return Token("openshift-user-token", "OpenShift user token", F, @"sha256~[\w\-]{43}", new[] { "sha256~" }, 3.5, 7, S("sha256~", 43, UrlSafe));
            yield return Token("doppler-api-token", "Doppler API token", F, @"dp\.(?:pt|st|ct|scim|audit|sa)\.[A-Za-z0-9]{40,44}", new[] { "dp.pt.", "dp.st.", "dp.ct.", "dp.sa." }, 3.0, 6, S("dp.pt.", 43));
            yield return Token("onepassword-service-account-token", "1Password service account token", F, "ops_eyJ[a-zA-Z0-9+/]{250,}={0,3}", new[] { "ops_eyJ" }, 4.0, 4, S("ops_eyJ", 300, Base64));
            yield return Token("onepassword-secret-key", "1Password account secret key", F, "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", new[] { "A3-" }, 3.8, 3,
                r => $"A3-{Rand(r, 6, Upper + Digits)}-{Rand(r, 11, Upper + Digits)}-{Rand(r, 5, Upper + Digits)}-{Rand(r, 5, Upper + Digits)}-{Rand(r, 5, Upper + Digits)}");
            yield return Token("databricks-api-token", "Databricks access token", F, @"dapi[a-f0-9]{32}(?:-\d)?", new[] { "dapi" }, 3.0, 4, S("dapi", 32, Hex));
            yield return Token("dynatrace-api-token", "Dynatrace API token", F, @"dt0[cs]01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}", new[] { "dt0c01.", "dt0s01." }, 4.0, 7, r => "dt0c01." + Rand(r, 24, Upper + Digits) + "." + Rand(r, 64, Upper + Digits));
            yield return Token("newrelic-key", "New Relic API, insert or browser key", F, @"(?:NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9\-]{32}|NRJS-[a-f0-9]{19}|NRAA-[a-f0-9]{27})", new[] { "NRAK-", "NRII-", "NRJS-", "NRAA-" }, 3.0, 5, S("NRAK-", 27, Upper + Digits));
            yield return Near("newrelic-license-key", "New Relic license key", F, new[] { "newrelic", "new_relic", "new-relic", "NEW_RELIC" }, "[a-f0-9]{36}NRAL|[a-z0-9]{40}|[a-z0-9]{64}", 3.0, S("", 40, Hex));
            yield return Near("datadog-api-key", "Datadog API or application key", F, new[] { "datadog", "dd_api", "dd_app", "DD_API_KEY", "DD_APP_KEY", "ddog" }, "[a-f0-9]{32}|[a-f0-9]{40}", 3.0, S("", 32, Hex));
            yield return Token("grafana-api-key", "Grafana API key", F, "eyJrIjoi[A-Za-z0-9]{70,400}={0,3}", new[] { "eyJrIjoi" }, 3.0, 8, S("eyJrIjoi", 80));
            yield return Token("grafana-cloud-api-token", "Grafana Cloud API token", F, "glc_[A-Za-z0-9+/]{32,400}={0,3}", new[] { "glc_" }, 3.0, 4, S("glc_", 80));
            yield return Token("grafana-service-account-token", "Grafana service account token", F, "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", new[] { "glsa_" }, 3.0, 5, r => "glsa_" + Rand(r, 32) + "_" + Rand(r, 8, Hex));
            yield return Token("sentry-user-token", "Sentry user or organization token", F, @"(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[a-zA-Z0-9+/=_]{80,400})", new[] { "sntryu_", "sntrys_" }, 3.5, 7, S("sntryu_", 64, Hex));
            yield return Near("sentry-access-token", "Sentry auth token", F, new[] { "sentry" }, "[a-f0-9]{64}", 3.0, S("", 64, Hex));
            yield return Token("sentry-dsn", "Sentry DSN with its key", F, @"https://[a-f0-9]{32}(?::[a-f0-9]{32})?@[\w.\-]*sentry\.io/\d+", new[] { "sentry.io" }, 3.0, 0,
                r => "https://" + Rand(r, 32, Hex) + ":" + Rand(r, 32, Hex) + "@o" + Rand(r, 6, Digits) + ".ingest.sentry.io/" + Rand(r, 7, Digits));
            yield return Near("okta-access-token", "Okta API token", F, new[] { "okta" }, @"00[\w=\-]{40}", 4.0, S("00", 40, UrlSafe), true);
            yield return Token("harness-api-key", "Harness access token", F, @"(?:pat|sat)\.[a-zA-Z0-9_\-]{22}\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{20}", new[] { "pat.", "sat." }, 3.5, 4,
                r => "pat." + Rand(r, 22, UrlSafe) + "." + Rand(r, 24) + "." + Rand(r, 20));
            yield return Near("launchdarkly-access-token", "LaunchDarkly access token", F, new[] { "launchdarkly", "ld_sdk", "LD_SDK" }, @"(?:api|sdk|mob)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|[a-z0-9=_\-]{40}", 3.0, r => "sdk-" + Uuid(r));
            yield return Token("launchdarkly-sdk-key", "LaunchDarkly SDK or API key", F, @"(?:api|sdk|mob)-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", new[] { "sdk-", "mob-" }, 3.0, 4, r => "sdk-" + Uuid(r));
            yield return Near("sumologic-access", "Sumo Logic access id or key", F, new[] { "sumo" }, "su[a-zA-Z0-9]{12}|[a-z0-9]{64}", 3.0, S("su", 12), true);
            yield return Token("prefect-api-token", "Prefect API key", F, "pnu_[a-zA-Z0-9]{36}", new[] { "pnu_" }, 3.0, 4, S("pnu_", 36));
            yield return Token("supabase-token", "Supabase access or service token", F, "(?:sbp|sbp_v0|sb_secret)_[a-zA-Z0-9_]{32,64}", new[] { "sbp_", "sb_secret_" }, 3.0, 4, S("sbp_", 40, Hex));
            yield return Token("infracost-api-token", "Infracost API token", F, "ico-[a-zA-Z0-9]{32}", new[] { "ico-" }, 3.0, 4, S("ico-", 32));
            yield return Token("age-secret-key", "age encryption secret key", F, "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", new[] { "AGE-SECRET-KEY-1" }, 0, 16, S("AGE-SECRET-KEY-1", 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"));
            yield return Near("netlify-access-token", "Netlify access token", F, new[] { "netlify" }, @"(?:nfp_)?[a-z0-9=_\-]{40,46}", 3.5, S("nfp_", 40, UrlSafe));
            yield return Token("netlify-pat", "Netlify personal access token", F, "nf[pc]_[A-Za-z0-9]{36,40}", new[] { "nfp_", "nfc_" }, 3.5, 4, S("nfp_", 40));
            yield return Near("vercel-token", "Vercel access token", F, new[] { "vercel" }, "[A-Za-z0-9]{24}", 3.5, S("", 24), true);
            yield return Near("linode-token", "Linode / Akamai Cloud token", F, new[] { "linode" }, "[a-f0-9]{64}", 3.0, S("", 64, Hex));
            yield return Near("yandex-token", "Yandex Cloud key or token", F, new[] { "yandex" }, @"AQVN[A-Za-z0-9_\-]{35,38}|YC[a-zA-Z0-9_\-]{38}|t1\.[A-Z0-9a-z_\-]+={0,2}\.[A-Z0-9a-z_\-]{86}={0,2}", 3.0, S("AQVN", 36, UrlSafe), true);
            yield return Near("ibm-cloud-api-key", "IBM Cloud API key", F, new[] { "ibm", "bluemix", "cloudant" }, @"[A-Za-z0-9_\-]{44}", 4.0, S("", 44, UrlSafe), true);
            yield return Near("terraform-token", "Terraform / Atlas token", F, new[] { "tfe_token", "atlas_token", "TF_TOKEN" }, @"[A-Za-z0-9.\-_]{60,100}", 4.0, S("", 70, UrlSafe), true);
            yield return Token("render-api-key", "Render API key", F, "rnd_[A-Za-z0-9]{32}", new[] { "rnd_" }, 3.5, 4, S("rnd_", 32));
            yield return Token("tailscale-key", "Tailscale auth or API key", F, @"tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{8,20}-[A-Za-z0-9]{20,40}", new[] { "tskey-" }, 3.5, 6,
                r => "tskey-auth-k" + Rand(r, 11) + "-" + Rand(r, 33));
        }
    }
}
