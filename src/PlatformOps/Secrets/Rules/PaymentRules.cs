using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>Payment, commerce and finance services, from their published token formats.</summary>
    internal static class PaymentRules
    {
        private const string F = "payment";

        public static IEnumerable<SecretRule> All()
        {
            yield return Token("stripe-key", "Stripe secret or restricted key", F, "[sr]k_(?:live|test|prod)_[0-9a-zA-Z]{10,247}",
                new[] { "sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_" }, 3.0, 8, S("sk_live_", 24));
            yield return Token("stripe-webhook-secret", "Stripe webhook signing secret", F, "whsec_[A-Za-z0-9+/]{32,}", new[] { "whsec_" }, 3.5, 6, S("whsec_", 32));
            yield return Token("square-token", "Square access token or OAuth secret", F, @"(?:EAAA[\w\-]{60}|sq0(?:atp|csp)-[\w\-]{22,43})", new[] { "EAAA", "sq0atp-", "sq0csp-" }, 3.0, 7, S("sq0atp-", 22, UrlSafe));
            yield return Token("braintree-access-token", "PayPal Braintree access token", F, @"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}", new[] { "access_token$" }, 3.0, 0,
                r => "access_token$production$" + Rand(r, 16, Lower + Digits) + "$" + Rand(r, 32, Hex));
            yield return Token("shopify-token", "Shopify access token or shared secret", F, "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", new[] { "shpat_", "shpca_", "shppa_", "shpss_" }, 3.0, 6, S("shpat_", 32, Hex));
            yield return Token("flutterwave-key", "Flutterwave key", F, "FLW(?:SECK|PUBK)(?:_TEST)?-[a-hA-H0-9]{12,32}(?:-X)?", new[] { "FLWSECK", "FLWPUBK" }, 3.0, 8, r => "FLWSECK_TEST-" + Rand(r, 32, Hex) + "-X");
            yield return Token("razorpay-key", "Razorpay key id", F, "rzp_(?:live|test)_[A-Za-z0-9]{14}", new[] { "rzp_live_", "rzp_test_" }, 3.0, 9, S("rzp_live_", 14));
            yield return Token("adyen-api-key", "Adyen API key", F, @"AQE[a-zA-Z0-9]{3}\+[a-zA-Z0-9+/=.\-]{60,}", new[] { "AQE" }, 4.0, 3, r => "AQE" + Rand(r, 3) + "+" + Rand(r, 90, Base64));
            yield return Token("duffel-api-token", "Duffel API token", F, @"duffel_(?:test|live)_[a-zA-Z0-9_\-=]{43}", new[] { "duffel_" }, 3.0, 12, S("duffel_live_", 43, UrlSafe));
            yield return Token("easypost-api-token", "EasyPost API key", F, "EZ[AT]K[a-zA-Z0-9]{54}", new[] { "EZAK", "EZTK" }, 3.0, 4, S("EZAK", 54));
            yield return Token("shippo-api-token", "Shippo API token", F, "shippo_(?:live|test)_[a-fA-F0-9]{40}", new[] { "shippo_" }, 3.0, 12, S("shippo_live_", 40, Hex));
            yield return Near("plaid-secret", "Plaid secret or access token", F, new[] { "plaid" }, @"access-(?:sandbox|development|production)-[0-9a-f\-]{36}|[a-z0-9]{30}|[a-z0-9]{24}", 3.5, S("", 30, Lower + Digits));
            yield return Near("gocardless-api-token", "GoCardless access token", F, new[] { "gocardless" }, @"live_[a-zA-Z0-9_\-=]{40}", 3.0, S("live_", 40, UrlSafe), true);
            yield return Near("coinbase-access-token", "Coinbase API key or secret", F, new[] { "coinbase" }, @"[a-z0-9_\-]{64}", 3.5, S("", 64, UrlSafe));
            yield return Near("kraken-access-token", "Kraken API key", F, new[] { "kraken" }, @"[a-z0-9/=_+\-]{80,90}", 4.0, S("", 86, Base64));
            yield return Near("kucoin-secret-key", "KuCoin API key or secret", F, new[] { "kucoin" }, @"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-f0-9]{24}", 3.0, Uuid);
            yield return Near("bittrex-access-key", "Bittrex / Binance / exchange API key", F, new[] { "bittrex", "binance", "bitfinex", "bybit" }, "[a-z0-9]{32,64}", 3.5, S("", 64, Lower + Digits), false);
            yield return Near("finicity-secret", "Finicity API token or secret", F, new[] { "finicity" }, "[a-f0-9]{32}|[a-z0-9]{20}", 3.0, S("", 32, Hex));
            yield return Near("paypal-client-secret", "PayPal client secret", F, new[] { "paypal" }, @"E[A-Za-z0-9_\-]{79}", 4.0, S("E", 79, UrlSafe), true);
            yield return Near("lob-api-key", "Lob API key", F, new[] { "lob_", "lob-", "LOB_" }, "(?:live|test)_(?:pub_)?[a-f0-9]{31,35}", 3.0, S("live_", 35, Hex));
        }
    }
}
