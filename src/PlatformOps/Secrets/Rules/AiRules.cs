using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>AI and machine-learning services, from their published token formats.</summary>
    internal static class AiRules
    {
        private const string F = "ai";

        public static IEnumerable<SecretRule> All()
        {
            yield return Token("openai-key", "OpenAI API key", F,
                @"sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}|proj-[A-Za-z0-9_\-]{80,200})",
                new[] { "sk-proj-", "sk-svcacct-", "sk-admin-", "T3BlbkFJ" }, 3.5, 3, r => "sk-proj-" + Rand(r, 58, UrlSafe) + "T3BlbkFJ" + Rand(r, 58, UrlSafe));
            yield return Token("anthropic-key", "Anthropic API key", F, @"sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{80,120}", new[] { "sk-ant-" }, 4.0, 7,
                r => "sk-ant-api03-" + Rand(r, 93, UrlSafe) + "AA");
            yield return Token("huggingface-token", "Hugging Face access token", F, "(?:hf_[A-Za-z0-9]{34}|api_org_[A-Za-z0-9]{34})", new[] { "hf_", "api_org_" }, 3.0, 3, S("hf_", 34, Upper + Lower));
            yield return Token("perplexity-api-key", "Perplexity API key", F, "pplx-[a-zA-Z0-9]{48}", new[] { "pplx-" }, 4.0, 5, S("pplx-", 48));
            yield return Token("groq-api-key", "Groq API key", F, "gsk_[a-zA-Z0-9]{52}", new[] { "gsk_" }, 4.0, 4, S("gsk_", 52));
            yield return Token("replicate-api-token", "Replicate API token", F, "r8_[a-zA-Z0-9]{37}", new[] { "r8_" }, 4.0, 3, S("r8_", 37));
            yield return Token("xai-api-key", "xAI API key", F, "xai-[a-zA-Z0-9]{80}", new[] { "xai-" }, 4.0, 4, S("xai-", 80));
            yield return Token("langsmith-api-key", "LangSmith API key", F, "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", new[] { "lsv2_" }, 3.0, 8, r => "lsv2_pt_" + Rand(r, 32, Hex) + "_" + Rand(r, 10, Hex));
            yield return Token("notion-api-token", "Notion integration token", F, "(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})", new[] { "ntn_", "secret_" }, 4.0, 4, r => "ntn_" + Rand(r, 11, Digits) + Rand(r, 35));
            yield return Near("cohere-api-token", "Cohere API key", F, new[] { "cohere", "co_api_key" }, "[a-zA-Z0-9]{40}", 4.0, S("", 40), true);
            yield return Near("mistral-api-key", "Mistral / DeepSeek / Together AI key", F, new[] { "mistral", "deepseek", "together_api", "fireworks" }, "(?:sk-)?[a-zA-Z0-9]{32,64}", 4.0, S("", 32), true);
            yield return Near("privateai-api-token", "Private AI API key", F, new[] { "privateai", "private_ai", "private-ai" }, "[a-z0-9]{32}", 3.0, S("", 32, Lower + Digits));
            yield return Near("pinecone-api-key", "Pinecone / Weaviate / Qdrant API key", F, new[] { "pinecone", "weaviate", "qdrant" }, @"pcsk_[A-Za-z0-9_]{50,80}|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|[A-Za-z0-9]{32,64}", 3.5, Uuid, true);
            yield return Token("pinecone-key", "Pinecone API key", F, "pcsk_[A-Za-z0-9_]{50,80}", new[] { "pcsk_" }, 4.0, 5, S("pcsk_", 60));
        }
    }
}
