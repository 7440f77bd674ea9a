using System;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Npgsql;
using PlatformOps.Readiness;
using PlatformOps.Tests.Infrastructure;
using PlatformOps.Tests.Wal;
using Xunit;

namespace PlatformOps.Tests.Readiness
{
    /// <summary>
    /// Readiness of a platform whose profile has no Roles section, on a PostgreSQL cluster of the test's own: never judged
    /// against the reference platform's service logins, and an operator's superuser session is not a service's.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class RolelessReadinessTests : IDisposable
    {
        private readonly PowerShellFixture _ps;
        private readonly ThrowawayCluster _cluster = new ThrowawayCluster(false, "roleless");

        public RolelessReadinessTests(PowerShellFixture ps)
        {
            _ps = ps;
        }

        public void Dispose() => _cluster.Dispose();

        private string Profile(Action<JsonObject>? edit = null)
        {
            var profile = JsonNode.Parse(File.ReadAllText(_cluster.ProfilePath))!.AsObject();
            profile["Readiness"] = new JsonObject { ["StatePath"] = Path.Combine(_cluster.Root, "state") };
            edit?.Invoke(profile);
            var path = Path.Combine(_cluster.Root, "roleless-" + Guid.NewGuid().ToString("N")[..6] + ".profile.json");
            File.WriteAllText(path, profile.ToJsonString());
            return path;
        }

        private ReadinessCheck[] Security(string profile)
        {
            var r = _ps.Invoke("Test-PlatformReadiness -Profile $args[0] -Category Security", profile);
            r.ShouldSucceed();
            return r.Objects<ReadinessCheck>().ToArray();
        }

        private NpgsqlConnection Session(string application)
        {
            var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Lab.PostgresConnectionString(port: _cluster.Port, password: _cluster.Password)) { ApplicationName = application }.ConnectionString);
            c.Open();
            return c;
        }

        private static string Text(ReadinessCheck c) => c.Evidence + "\n" + string.Join("\n", c.Details);

        [Fact]
        public void Without_a_role_model_no_other_platform_is_assumed_and_an_operator_session_is_not_a_service()
        {
            var profile = Profile();
            using (Session("operator-shell"))
            using (Session(""))
            {
                var rows = Security(profile);
                var drift = rows.Single(r => r.Id == "security.role-drift");
                Assert.Equal(ReadinessStatus.Skipped, drift.Status);
                Assert.Contains("no Roles section", drift.Evidence, StringComparison.Ordinal);
                var superuser = rows.Single(r => r.Id == "security.no-superuser-services");
                Assert.Equal(ReadinessStatus.Pass, superuser.Status);
                Assert.Contains("not judged", Text(superuser), StringComparison.Ordinal);
                Assert.All(rows, r => Assert.DoesNotContain("l01_data_layer", Text(r), StringComparison.Ordinal));
            }
        }

        [Fact]
        public void Without_a_role_model_the_groups_that_exist_and_their_logins_are_judged_and_named_applications_count()
        {
            // The three groups exactly as the model makes them (a profile with a Roles section and no service logins).
            var maker = Profile(p => p["Roles"] = new JsonObject { ["Services"] = new JsonObject() });
            _ps.Invoke("Set-DbRole -Platform -Profile $args[0] -Confirm:$false", maker).ShouldSucceed();
            var profile = Profile(p => p["Services"] = new JsonArray(new JsonObject { ["Name"] = "orders-api", ["Url"] = "http://127.0.0.1:9/health" }));

            var rows = Security(profile);
            var drift = rows.Single(r => r.Id == "security.role-drift");
            Assert.Equal(ReadinessStatus.Pass, drift.Status);
            Assert.Contains("app_read, app_write, app_admin", drift.Evidence, StringComparison.Ordinal);
            Assert.Equal(ReadinessStatus.Pass, rows.Single(r => r.Id == "security.no-superuser-services").Status);
            Assert.All(rows, r => Assert.DoesNotContain("l01_data_layer", Text(r), StringComparison.Ordinal));

            // A login of a group with superuser powers, and a superuser session of an application the profile names, fail.
            _cluster.Exec("CREATE ROLE svc_reports LOGIN SUPERUSER IN ROLE app_read");
            using (Session("orders-api"))
            {
                var bad = Security(profile);
                var item = bad.Single(r => r.Id == "security.no-superuser-services");
                Assert.Equal(ReadinessStatus.Fail, item.Status);
                Assert.Contains("postgres via 'orders-api'", item.Evidence, StringComparison.Ordinal);
                Assert.Contains(item.Details, d => d.StartsWith("svc_reports: a service login with SUPERUSER", StringComparison.Ordinal));
            }
            _cluster.Exec("ALTER ROLE svc_reports NOSUPERUSER");
            Assert.Equal(ReadinessStatus.Pass, Security(profile).Single(r => r.Id == "security.no-superuser-services").Status);
        }
    }
}
