using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using Npgsql;
using PlatformOps.Common;
using PlatformOps.Postgres;
using PlatformOps.Readiness;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>
    /// The readiness cmdlets against the running lab. Faults are made in containers and sessions of these tests' own
    /// (Compose projects rdy*, a PostgreSQL session named rdy-*), so that the lab's 'agentic' project is never degraded.
    /// </summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class ReadinessCmdletTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly ReadinessLab _lab = new ReadinessLab();

        public ReadinessCmdletTests(PowerShellFixture ps)
        {
            _ps = ps;
            Lab.RequireProfile(Lab.DockerProfile);
            // Earlier tests break and fix the lab: start from a whole one.
            _ps.Invoke("Wait-PlatformHealthy -Profile $args[0] -WaitSec 120 -IntervalSec 1", Lab.DockerProfile).ShouldSucceed();
        }

        public void Dispose() => _lab.Dispose();

        private List<ReadinessCheck> Checklist(string profile, string extra = "")
        {
            var result = _ps.Invoke($"Test-PlatformReadiness -Profile $args[0] {extra}", profile);
            result.ShouldSucceed();
            return result.Objects<ReadinessCheck>().ToList();
        }

        /// <summary>Points a profile at a test project; its services stay the lab's, without naming the lab's containers.</summary>
        private static void OwnProject(JsonObject profile, string project)
        {
            profile["Docker"]!["ComposeProject"] = project;
            foreach (var list in new[] { "Services", "Monitoring" })
                foreach (var e in profile[list]!.AsArray()) e!.AsObject().Remove("Container");
        }

        private static ReadinessCheck Row(IEnumerable<ReadinessCheck> rows, string id) => rows.Single(r => r.Id == id);

        private static PlatformHealthScore Score(IEnumerable<ReadinessCheck> rows)
            => HealthScoreCalculator.Compute("t", DateTime.UtcNow, rows, ReadinessCategories.DefaultWeight, 90);

        [Fact]
        public void The_lab_checklist_has_every_item_with_evidence_and_runs_in_parallel_under_five_seconds()
        {
            var profile = _lab.Profile("lab");
            _ps.Invoke("Test-PlatformReadiness -Profile $args[0]", profile).ShouldSucceed(); // warm: first calls pay for JIT
            var clock = Stopwatch.StartNew();
            var rows = Checklist(profile);
            var elapsed = clock.Elapsed;

            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"the checklist took {elapsed.TotalSeconds:0.0} s");
            Assert.Equal(ReadinessCategories.All, rows.Select(r => r.Category).Distinct().ToArray());
            Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
            foreach (var id in new[]
            {
                "infrastructure.containers-running", "infrastructure.healthchecks-defined", "infrastructure.restarts-stable",
                "infrastructure.resource-limits", "infrastructure.service-endpoints", "infrastructure.monitoring",
                "security.tls-certificates", "security.secrets-hygiene", "security.repository-secrets", "security.role-drift",
                "security.no-superuser-services", "data.wal-archiving", "data.rpo", "data.backup-age", "data.backup-verified", "data.rto",
                "data.redis-persistence", "quality.test-suite", "documentation.runbook-recovery", "documentation.runbook-tls",
                "documentation.runbook-secrets", "documentation.runbook-roles",
            })
                Assert.Contains(rows, r => r.Id == id);

            Assert.All(rows, r =>
            {
                Assert.False(string.IsNullOrWhiteSpace(r.Evidence), r.Id);
                Assert.False(string.IsNullOrWhiteSpace(r.Remedy), r.Id);
                if (r.Status == ReadinessStatus.Skipped) Assert.Equal(0, r.Weight);
            });
            // The lab is whole: its infrastructure passes with the measured figures as evidence.
            Assert.Equal("19 of 19 running and healthy", Row(rows, "infrastructure.containers-running").Evidence);
            Assert.Equal(19, Row(rows, "infrastructure.containers-running").Value);
            Assert.Equal(19, ((IReadOnlyList<PlatformOps.Containers.PlatformContainer>)Row(rows, "infrastructure.containers-running").Data!).Count);
            Assert.StartsWith("19 of 19 containers define a health check", Row(rows, "infrastructure.healthchecks-defined").Evidence, StringComparison.Ordinal);
            Assert.StartsWith("19 of 19 have memory and CPU limits", Row(rows, "infrastructure.resource-limits").Evidence, StringComparison.Ordinal);
            Assert.StartsWith("12 of 12 services answer 2xx", Row(rows, "infrastructure.service-endpoints").Evidence, StringComparison.Ordinal);
            Assert.StartsWith("4 of 4 monitoring endpoints answer 2xx", Row(rows, "infrastructure.monitoring").Evidence, StringComparison.Ordinal);
            Assert.All(rows.Where(r => r.Category == ReadinessCategory.Documentation), r =>
            {
                Assert.Equal(ReadinessStatus.Pass, r.Status);
                Assert.Contains("names", r.Evidence, StringComparison.Ordinal);
            });
            // Redis persistence as the lab configures it, with the save policy as evidence.
            var redis = Row(rows, "data.redis-persistence");
            Assert.Equal(ReadinessStatus.Pass, redis.Status);
            Assert.Contains("RDB save", redis.Evidence, StringComparison.Ordinal);
            // WAL archiving as PostgreSQL reports it now.
            var pg = _ps.Invoke("Get-PlatformPostgresStatus -Profile $args[0]", profile).Objects<PlatformOps.Postgres.PostgresStatus>().Single();
            var wal = Row(rows, "data.wal-archiving");
            if (!pg.ArchivingEnabled)
            {
                Assert.Equal(ReadinessStatus.Fail, wal.Status);
                Assert.StartsWith("archive_mode is off", wal.Evidence, StringComparison.Ordinal);
            }
            else Assert.Contains($"archive_mode {pg.ArchiveMode}", wal.Evidence, StringComparison.Ordinal);
            // Nothing of a capability this build lacks is ever a Pass.
            Assert.All(rows.Where(r => r.Evidence == "capability not available in this build"), r => Assert.Equal(ReadinessStatus.Skipped, r.Status));
            // No earlier test run is recorded in this profile's fresh state folder.
            var quality = Row(rows, "quality.test-suite");
            Assert.Equal(ReadinessStatus.Warn, quality.Status);
            Assert.Contains("run Invoke-PlatformTest", quality.Evidence, StringComparison.Ordinal);
        }

        [Fact]
        public void A_stopped_container_fails_exactly_its_item_and_lowers_only_infrastructure()
        {
            const string project = "rdyfault";
            ReadinessLab.RemoveProject(project);
            try
            {
                ReadinessLab.Container(project, "rdyfault-a");
                ReadinessLab.Container(project, "rdyfault-b");
                ReadinessLab.WaitHealthy("rdyfault-a");
                ReadinessLab.WaitHealthy("rdyfault-b");
                var profile = _lab.Profile("stopped", p => OwnProject(p, project));

                var before = Checklist(profile);
                Assert.Equal(ReadinessStatus.Pass, Row(before, "infrastructure.containers-running").Status);
                Assert.Equal("2 of 2 running and healthy", Row(before, "infrastructure.containers-running").Evidence);

                ReadinessLab.Docker("stop", "rdyfault-b");
                var after = Checklist(profile);
                var containers = Row(after, "infrastructure.containers-running");
                Assert.Equal(ReadinessStatus.Fail, containers.Status);
                Assert.StartsWith("1 of 2 running and healthy; not: rdyfault-b", containers.Evidence, StringComparison.Ordinal);
                Assert.Contains(containers.Details, d => d.StartsWith("rdyfault-b: exited", StringComparison.Ordinal));
                Assert.Contains("Get-PlatformContainer -Name rdyfault-b", containers.Remedy, StringComparison.Ordinal);

                // Exactly that item changed; only the Infrastructure score dropped.
                var changed = after.Where(a => Row(before, a.Id).Status != a.Status).Select(a => a.Id).ToList();
                Assert.Equal(new[] { "infrastructure.containers-running" }, changed);
                var (s0, s1) = (Score(before), Score(after));
                Assert.True(s1.Category(ReadinessCategory.Infrastructure)!.Score < s0.Category(ReadinessCategory.Infrastructure)!.Score);
                foreach (var c in ReadinessCategories.All.Where(c => c != ReadinessCategory.Infrastructure))
                    Assert.Equal(s0.Category(c)!.Score, s1.Category(c)!.Score);
            }
            finally
            {
                ReadinessLab.RemoveProject(project);
            }
        }

        [Fact]
        public void Restart_counts_that_climb_since_the_last_run_fail_and_a_container_without_limits_or_health_check_is_named()
        {
            const string project = "rdyrestart";
            ReadinessLab.RemoveProject(project);
            try
            {
                ReadinessLab.Container(project, "rdyrestart-crash", healthCheck: false, limits: false, restart: "always", command: "sleep 1; exit 3");
                var profile = _lab.Profile("restart", p => OwnProject(p, project));
                var first = Checklist(profile, "-Category Infrastructure");
                var firstCount = long.Parse(ReadinessLab.Docker("inspect", "-f", "{{.RestartCount}}", "rdyrestart-crash"), System.Globalization.CultureInfo.InvariantCulture);

                var clock = Stopwatch.StartNew();
                while (long.Parse(ReadinessLab.Docker("inspect", "-f", "{{.RestartCount}}", "rdyrestart-crash"), System.Globalization.CultureInfo.InvariantCulture) <= firstCount
                       && clock.Elapsed < TimeSpan.FromSeconds(20))
                    Thread.Sleep(250);
                var second = Checklist(profile, "-Category Infrastructure");

                var restarts = Row(second, "infrastructure.restarts-stable");
                Assert.Equal(ReadinessStatus.Fail, restarts.Status);
                Assert.Contains("climbing on rdyrestart-crash (compared with the run at", restarts.Evidence, StringComparison.Ordinal);
                Assert.Contains(restarts.Details, d => d.StartsWith("rdyrestart-crash: restarted", StringComparison.Ordinal));
                // The first run had nothing to compare with: a recent restart is a warning at most.
                Assert.NotEqual(ReadinessStatus.Fail, Row(first, "infrastructure.restarts-stable").Status);

                var health = Row(second, "infrastructure.healthchecks-defined");
                Assert.Equal(ReadinessStatus.Fail, health.Status);
                Assert.Equal("0 of 1 define a health check; none on rdyrestart-crash", health.Evidence);
                var limits = Row(second, "infrastructure.resource-limits");
                Assert.Equal(ReadinessStatus.Fail, limits.Status);
                Assert.Contains("no memory limit on rdyrestart-crash", limits.Evidence, StringComparison.Ordinal);
            }
            finally
            {
                ReadinessLab.RemoveProject(project);
            }
        }

        [Fact]
        public void A_service_connected_as_a_superuser_fails_its_security_item_and_maintenance_tools_do_not()
        {
            // The item judges the services the profile names: this one is named; an operator's session would not be.
            var profile = _lab.Profile("superuser", p => p["Services"]!.AsArray().Add(new JsonObject { ["Name"] = "rdy-orders-service", ["Url"] = "http://127.0.0.1:9/health" }));
            var target = PostgresTarget.Resolve(null, null, null, null, null, PlatformProfile.Load(Lab.DockerProfile));
            var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString()) { ApplicationName = "rdy-orders-service", Pooling = false };
            using (var service = new NpgsqlConnection(builder.ConnectionString))
            {
                service.Open();
                var rows = Checklist(profile, "-Category Security");
                var item = Row(rows, "security.no-superuser-services");
                Assert.Equal(ReadinessStatus.Fail, item.Status);
                Assert.Contains("postgres via 'rdy-orders-service'", item.Evidence, StringComparison.Ordinal);
                Assert.Contains(item.Details, d => d.Contains("'rdy-orders-service'", StringComparison.Ordinal));
                Assert.All(rows.Where(r => r.Category != ReadinessCategory.Security), _ => Assert.Fail("only Security ran"));
            }
            // The server ends a backend shortly after its client goes: wait until pg_stat_activity no longer lists it,
            // so the second run judges a platform without that session rather than racing its exit.
            WaitUntilNoSession(target, "rdy-orders-service", TimeSpan.FromSeconds(10));
            var clean = Row(Checklist(profile, "-Category Security"), "security.no-superuser-services");
            Assert.True(clean.Status == ReadinessStatus.Pass, $"{clean.Status}: {clean.Evidence}");
            Assert.StartsWith("no superuser session of a service", clean.Evidence, StringComparison.Ordinal);
            Assert.DoesNotContain(Lab.PostgresPassword, clean.Evidence, StringComparison.Ordinal);
        }

        private static void WaitUntilNoSession(PostgresTarget target, string applicationName, TimeSpan limit)
        {
            var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString()) { ApplicationName = "rdy-watcher", Pooling = false };
            using var watcher = new NpgsqlConnection(builder.ConnectionString);
            watcher.Open();
            using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = @name", watcher);
            count.Parameters.AddWithValue("name", applicationName);
            var clock = Stopwatch.StartNew();
            while ((long)count.ExecuteScalar()! > 0)
            {
                Assert.True(clock.Elapsed < limit, $"the session '{applicationName}' was still listed after {limit.TotalSeconds} s");
                Thread.Sleep(50);
            }
        }

        [Fact]
        public void A_missing_runbook_fails_only_its_item_and_documentation_scores_three_quarters()
        {
            var runbooks = Path.Combine(_lab.Folder, "runbooks");
            Directory.CreateDirectory(runbooks);
            foreach (var f in new[] { "recovery.md", "secrets.md", "roles.md" })
                File.Copy(Path.Combine(ReadinessLab.Runbooks, f), Path.Combine(runbooks, f));
            var profile = _lab.Profile("runbooks", p => p["Readiness"]!["RunbooksPath"] = runbooks);
            var result = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Documentation | Get-PlatformHealthScore -Profile $args[0]", profile);
            result.ShouldSucceed();
            var score = result.Objects<PlatformHealthScore>().Single();
            var documentation = score.Category(ReadinessCategory.Documentation)!;
            Assert.Equal(75, documentation.Score);
            var tls = documentation.Checks.Single(c => c.Status == ReadinessStatus.Fail);
            Assert.Equal("documentation.runbook-tls", tls.Id);
            Assert.Equal($"{Path.Combine(runbooks, "tls.md")} does not exist", tls.Evidence);
            // Only Documentation ran: the other categories say so instead of scoring.
            Assert.All(score.Categories.Where(c => c.Category != ReadinessCategory.Documentation), c =>
            {
                Assert.Null(c.Score);
                Assert.Equal("no applicable checks (none ran)", c.Note);
            });
            Assert.Equal(75, score.Overall);
        }

        [Fact]
        [Trait(Category.Name, Category.Plain)]
        public void Without_docker_the_container_items_are_skipped_and_infrastructure_has_no_score_instead_of_zero()
        {
            Lab.RequireProfile(Lab.PlainProfile);
            var profile = _lab.Profile("plain", plain: true);
            var result = _ps.Invoke("Get-PlatformHealthScore -Profile $args[0]", profile);
            result.ShouldSucceed();
            var score = result.Objects<PlatformHealthScore>().Single();
            var infrastructure = score.Category(ReadinessCategory.Infrastructure)!;
            Assert.Null(infrastructure.Score);
            Assert.Equal("no applicable checks (6 checks skipped)", infrastructure.Note);
            Assert.Contains(infrastructure.Checks, c => c.Evidence == "the profile has no Docker section: the platform does not run in containers");
            Assert.Contains(infrastructure.Checks, c => c.Evidence == "the profile names no Services");
            Assert.Equal(ReadinessStatus.Pass, score.Checks.Single(c => c.Id == "data.redis-persistence").Status);
            Assert.NotNull(score.Overall);
        }

        [Fact]
        public void Weights_of_zero_leave_items_out_and_quiet_and_assert_gate_on_fail_and_minimum()
        {
            // A weight of 0 leaves an item out: Skipped with the reason, not scored.
            var ready = _lab.Profile("gate-ready", p => p["Readiness"]!["CheckWeights"] = new JsonObject { ["documentation.runbook-roles"] = 0 });
            var rows = Checklist(ready, "-Category Documentation");
            Assert.Equal("left out by the profile (Readiness.CheckWeights sets its weight to 0)", Row(rows, "documentation.runbook-roles").Evidence);
            Assert.Equal(ReadinessStatus.Skipped, Row(rows, "documentation.runbook-roles").Status);
            Assert.Equal(3, rows.Count(r => r.Status == ReadinessStatus.Pass));
            // Documentation alone passes: ready.
            Assert.True(_ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Documentation -Quiet", ready).Objects<bool>().Single());
            _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Documentation -Assert", ready).ShouldSucceed();

            // A missing runbook is a Fail: -Quiet says false and -Assert stops with the item and its evidence.
            var failing = _lab.Profile("gate-fail", p =>
            {
                p["Readiness"]!["RunbooksPath"] = Path.Combine(_lab.Folder, "no-runbooks-here");
            });
            Assert.False(_ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Documentation -Quiet", failing).Objects<bool>().Single());
            var asserted = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Documentation -Assert", failing);
            Assert.Equal("PlatformNotReady", asserted.ErrorId);
            Assert.Contains("The recovery runbook exists", asserted.ErrorMessage, StringComparison.Ordinal);
            Assert.Equal(rows.Count, asserted.Objects<ReadinessCheck>().Count()); // the rows come out before the error

            // A score below the minimum is not ready even when nothing fails: Quality alone is one Warn (no test run recorded), 50.
            var warnOnly = _lab.Profile("gate-warn");
            var lenient = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Quality | Get-PlatformHealthScore -Profile $args[0] -MinimumScore 40 -Assert", warnOnly);
            lenient.ShouldSucceed();
            Assert.Equal("Ready with warnings", lenient.Objects<PlatformHealthScore>().Single().Verdict);
            var strict = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Quality | Get-PlatformHealthScore -Profile $args[0] -MinimumScore 60 -Assert", warnOnly);
            Assert.Equal("PlatformNotReady", strict.ErrorId);
            Assert.Contains("the score 50 is below 60", strict.ErrorMessage, StringComparison.Ordinal);
        }

        [Fact]
        public void The_health_score_saves_compares_and_lists_the_checks_behind_each_category()
        {
            var runbooks = Path.Combine(_lab.Folder, "runbooks-score");
            Directory.CreateDirectory(runbooks);
            foreach (var f in Directory.GetFiles(ReadinessLab.Runbooks)) File.Copy(f, Path.Combine(runbooks, Path.GetFileName(f)));
            var profile = _lab.Profile("score", p => p["Readiness"]!["RunbooksPath"] = runbooks);
            var saved = Path.Combine(_lab.Folder, "scores", "before.json");

            var first = _ps.Invoke("Get-PlatformHealthScore -Profile $args[0] -OutFile $args[1]", profile, saved);
            first.ShouldSucceed();
            var before = first.Objects<PlatformHealthScore>().Single();
            Assert.True(File.Exists(saved));
            Assert.Equal(100, before.Category(ReadinessCategory.Documentation)!.Score);
            Assert.Equal(before.Checks.Count, before.Categories.Sum(c => c.Checks.Count));
            Assert.All(before.Categories, c => Assert.All(c.Checks, k => Assert.Equal(c.Category, k.Category)));

            File.Delete(Path.Combine(runbooks, "roles.md"));
            var second = _ps.Invoke("Get-PlatformHealthScore -Profile $args[0] -Previous $args[1]", profile, saved);
            second.ShouldSucceed();
            var after = second.Objects<PlatformHealthScore>().Single();
            Assert.Equal(-25, after.Category(ReadinessCategory.Documentation)!.Change);
            Assert.NotNull(after.Previous);
            var change = Assert.Single(after.Changes);
            Assert.Equal("documentation.runbook-roles", change.Id);
            Assert.Equal(ReadinessStatus.Pass, change.Was);
            Assert.Equal(ReadinessStatus.Fail, change.Now);

            var missing = _ps.Invoke("Get-PlatformHealthScore -Profile $args[0] -Previous $args[1]", profile, saved + ".nope");
            Assert.Equal("PlatformHealthScoreNotFound", missing.ErrorId);
        }

        [Fact]
        public void Export_writes_nothing_with_whatif_and_compares_with_the_report_already_there()
        {
            var profile = _lab.Profile("report");
            var html = Path.Combine(_lab.Folder, "out", "readiness.html");
            _ps.Invoke("Export-PlatformReport -Profile $args[0] -Path $args[1] -WhatIf", profile, html).ShouldSucceed();
            Assert.False(File.Exists(html));
            Assert.False(Directory.Exists(Path.GetDirectoryName(html)));

            var written = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] | Export-PlatformReport -Profile $args[0] -Path $args[1] -PassThru", profile, html);
            written.ShouldSucceed();
            Assert.Equal(html, written.Objects<FileInfo>().Single().FullName);
            var first = File.ReadAllText(html);
            Assert.Contains("No earlier report to compare with", first, StringComparison.Ordinal);
            foreach (var name in new[] { "agentic-postgres", "agentic-redis", "l01-data-layer", "platform-ui", "agentic-prometheus" })
                Assert.Contains($"<td>{name}</td>", first, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(html)!, ".*partial*"));

            _ps.Invoke("Export-PlatformReport -Profile $args[0] -Path $args[1]", profile, html).ShouldSucceed();
            var second = File.ReadAllText(html);
            Assert.Contains("Since the last report (", second, StringComparison.Ordinal);
            Assert.DoesNotContain("No earlier report to compare with", second, StringComparison.Ordinal);

            var prom = Path.Combine(_lab.Folder, "out", "readiness.prom");
            _ps.Invoke("Export-PlatformReport -Profile $args[0] -Path $args[1]", profile, prom).ShouldSucceed();
            var samples = PrometheusText.Parse(File.ReadAllText(prom));
            Assert.Equal(19, samples.Single(s => s.Name == "platformops_readiness_check_value" && s.Labels["check"] == "infrastructure.containers-running").Value);
            Assert.Contains(samples, s => s.Name == "platformops_readiness_score" && s.Labels["category"] == "overall");

            var md = Path.Combine(_lab.Folder, "out", "readiness.md");
            _ps.Invoke("Export-PlatformReport -Profile $args[0] -Path $args[1]", profile, md).ShouldSucceed();
            Assert.StartsWith("# Production readiness: rdy-report", File.ReadAllText(md), StringComparison.Ordinal);
        }

        [Fact]
        public void Without_a_profile_the_readiness_cmdlets_say_how_to_load_one()
        {
            var result = _ps.Invoke("$env:PLATFORMOPS_PROFILE = $null; Remove-Variable x -ErrorAction Ignore; " +
                                    "[PlatformOps.Common.SessionProfile]::Current = $null; Test-PlatformReadiness");
            Assert.Equal("PlatformProfileNotLoaded", result.ErrorId);
            Assert.Contains("Import-PlatformProfile", result.ErrorMessage, StringComparison.Ordinal);
        }
    }
}
