using System.Collections.Generic;
using static PlatformOps.Secrets.Rules.R;

// Rule tables are built once per process (RuleSet.Default is lazy): their keyword arrays are data, not hot-path arguments.
#pragma warning disable CA1861

namespace PlatformOps.Secrets.Rules
{
    /// <summary>Source control, CI/CD and package registries, from their published token formats.</summary>
    internal static class SourceControlRules
    {
        private const string F = "source-control";
        private const string Ci = "ci-cd";
        private const string Pkg = "package-registry";

        public static IEnumerable<SecretRule> All()
        {
            yield return Token("github-token", "GitHub token", F, "(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
                new[] { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_" }, 3.0, 4, S("ghp_", 36));
            yield return Token("gitlab-token", "GitLab token", F,
                @"(?:glpat-[\w\-]{20,300}(?:\.[0-9a-z]{9})?|gl(?:dt|ft|soat|ffct|oas)-[\w\-]{20,64}|glimt-[\w\-]{25}|glagent-[\w\-]{50}|glcbt-[0-9a-zA-Z]{1,5}_[\w\-]{20}|glptt-[0-9a-f]{40}|glrt-(?:t\d_)?[\w\-]{20,300}(?:\.[0-9a-z]{9})?|GR1348941[\w\-]{20})",
                new[] { "glpat-", "gldt-", "glft-", "glsoat-", "glffct-", "gloas-", "glimt-", "glagent-", "glcbt-", "glptt-", "glrt-", "GR1348941" }, 3.0, 5, S("glpat-", 20, UrlSafe));
            yield return Token("gitlab-session-cookie", "GitLab session cookie", F, "_gitlab_session=[0-9a-z]{32}", new[] { "_gitlab_session=" }, 3.0, 16, S("_gitlab_session=", 32, Lower + Digits));
            yield return Near("bitbucket-secret", "Bitbucket app password or client secret", F, new[] { "bitbucket" }, @"ATBB[A-Za-z0-9_=.\-]{28,}|[a-z0-9=_\-]{64}|[a-z0-9]{32}", 3.5, S("ATBB", 32), true);
            yield return Token("bitbucket-app-password", "Bitbucket app password", F, @"ATBB[A-Za-z0-9_=.\-]{28,}", new[] { "ATBB" }, 3.5, 4, S("ATBB", 32));
            yield return Token("atlassian-api-token", "Atlassian (Jira, Confluence) API token", F, @"ATATT3[A-Za-z0-9_\-=]{186}", new[] { "ATATT3" }, 3.5, 6, S("ATATT3", 186, UrlSafe));
            yield return Near("atlassian-api-token-legacy", "Atlassian (Jira, Confluence) API token", F, new[] { "atlassian", "confluence", "jira" }, "[a-z0-9]{20}[a-f0-9]{4}|[A-Za-z0-9]{24}", 3.5, S("", 24, Lower + Digits), true);
            yield return Token("sourcegraph-access-token", "Sourcegraph access token", F, "sgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}|sgp_[a-fA-F0-9]{40}", new[] { "sgp_" }, 3.0, 4, S("sgp_", 40, Hex));
            yield return Token("gitea-token", "Gitea / Forgejo access token", F, "gt[pa]_[a-f0-9]{40}", new[] { "gtp_" }, 3.0, 4, S("gtp_", 40, Hex));
            // CI/CD
            yield return Near("travisci-access-token", "Travis CI access token", Ci, new[] { "travis" }, "[a-z0-9]{22}", 3.0, S("", 22, Lower + Digits));
            yield return Near("droneci-access-token", "Drone CI access token", Ci, new[] { "droneci", "drone_token" }, "[a-z0-9]{32}", 3.0, S("", 32, Lower + Digits));
            yield return Near("circleci-token", "CircleCI token", Ci, new[] { "circleci", "circle_token" }, "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}|[a-f0-9]{40}", 3.0, S("", 40, Hex), true);
            yield return Token("circleci-pat", "CircleCI personal token", Ci, "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}", new[] { "CCIPAT_" }, 3.0, 7, r => "CCIPAT_" + Rand(r, 22) + "_" + Rand(r, 40, Hex));
            yield return Near("codecov-access-token", "Codecov upload token", Ci, new[] { "codecov" }, "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|[a-z0-9]{32}", 3.0, Uuid);
            yield return Near("snyk-api-token", "Snyk API token", Ci, new[] { "snyk" }, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 3.0, Uuid);
            yield return Token("sonar-token", "SonarQube / SonarCloud token", Ci, "sq[upa]_[a-f0-9]{40}", new[] { "squ_", "sqp_", "sqa_" }, 3.0, 4, S("squ_", 40, Hex));
            yield return Near("sonar-api-token", "SonarQube / SonarCloud token", Ci, new[] { "sonar" }, @"[a-z0-9=_\-]{40}", 3.0, S("", 40, Hex));
            yield return Token("octopus-deploy-api-key", "Octopus Deploy API key", Ci, "API-[A-Z0-9]{26,32}", new[] { "API-" }, 3.0, 4, S("API-", 26, Upper + Digits));
            yield return Token("postman-api-token", "Postman API key", Ci, "PMAK-[a-fA-F0-9]{24}-[a-fA-F0-9]{34}", new[] { "PMAK-" }, 3.0, 5, r => "PMAK-" + Rand(r, 24, Hex) + "-" + Rand(r, 34, Hex));
            yield return Token("buildkite-token", "Buildkite agent or API token", Ci, "bk(?:ua|a)_[a-f0-9]{40}", new[] { "bkua_" }, 3.0, 5, S("bkua_", 40, Hex));
            yield return Near("jenkins-api-token", "Jenkins API token", Ci, new[] { "jenkins" }, "11[a-f0-9]{32}", 3.0, S("11", 32, Hex));
            // package registries
            yield return Token("npm-token", "npm access token", Pkg, "npm_[A-Za-z0-9]{36}", new[] { "npm_" }, 3.0, 4, S("npm_", 36));
            yield return Token("pypi-upload-token", "PyPI upload token", Pkg, @"pypi-AgEIcHlwaS5vcmc[\w\-]{50,1000}", new[] { "pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw" }, 3.0, 10, S("pypi-AgEIcHlwaS5vcmc", 80, UrlSafe));
            yield return Token("pypi-test-token", "TestPyPI upload token", Pkg, @"pypi-AgENdGVzdC5weXBpLm9yZw[\w\-]{50,1000}", new[] { "pypi-AgENdGVzdC5weXBpLm9yZw" }, 3.0, 10, S("pypi-AgENdGVzdC5weXBpLm9yZw", 80, UrlSafe));
            yield return Token("rubygems-api-token", "RubyGems API key", Pkg, "rubygems_[a-f0-9]{48}", new[] { "rubygems_" }, 3.0, 9, S("rubygems_", 48, Hex));
            yield return Token("nuget-api-key", "NuGet.org API key", Pkg, "oy2[a-z0-9]{43}", new[] { "oy2" }, 3.5, 3, S("oy2", 43, Lower + Digits));
            yield return Token("clojars-api-token", "Clojars deploy token", Pkg, "CLOJARS_[a-z0-9]{60}", new[] { "CLOJARS_" }, 3.0, 8, S("CLOJARS_", 60, Lower + Digits));
            yield return Token("artifactory-api-key", "JFrog Artifactory API key or reference token", Pkg, "(?:AKCp[A-Za-z0-9]{69}|cmVmd[A-Za-z0-9]{59})", new[] { "AKCp", "cmVmd" }, 4.5, 4, S("AKCp", 69));
            yield return Near("jfrog-token", "JFrog API key or identity token", Pkg, new[] { "jfrog", "artifactory", "bintray", "xray" }, "[a-z0-9]{64}|[a-z0-9]{73}", 3.5, S("", 64, Lower + Digits));
            yield return Token("docker-hub-pat", "Docker Hub personal access token", Pkg, @"dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,36}", new[] { "dckr_pat_", "dckr_oat_" }, 3.5, 9, S("dckr_pat_", 27, UrlSafe));
            yield return Token("cratesio-token", "crates.io API token", Pkg, "cio[a-zA-Z0-9]{32}", new[] { "cio" }, 4.0, 3, S("cio", 32));
            yield return Token("readme-api-token", "ReadMe API key", Pkg, "rdme_[a-z0-9]{70}", new[] { "rdme_" }, 3.0, 5, S("rdme_", 70, Lower + Digits));
        }
    }
}
