using System;
using System.Diagnostics;
using System.Linq;
using Npgsql;
using PlatformOps.Roles;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Roles
{
    /// <summary>The role cmdlets against the lab's PostgreSQL: the platform model, real logins, drift, hostile names.</summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class DbRoleTests : IClassFixture<RoleLab>
    {
        private readonly PowerShellFixture _ps;
        private readonly RoleLab _lab;

        public DbRoleTests(PowerShellFixture ps, RoleLab lab)
        {
            _ps = ps;
            _lab = lab;
        }

        private PowerShellFixture.Result Ps(string script, params object[] args)
            => _ps.Invoke("$p = Import-PlatformProfile -Path $args[0] -PassThru; $db = $args[1]; $rest = @(if ($args.Count -gt 2) { $args[2..($args.Count - 1)] })\n" + script,
                new object[] { _lab.ProfilePath, _lab.Database }.Concat(args).ToArray());

        private DbRoleSetResult[] ApplyPlatform()
        {
            var result = _ps.Invoke("Set-DbRole -Platform -Profile $args[0] -Database $args[1] -ServiceCredential $args[2] -Confirm:$false",
                _lab.ProfilePath, _lab.Database, _lab.Credentials());
            result.ShouldSucceed();
            return result.Objects<DbRoleSetResult>().ToArray();
        }

        private DbRoleDrift[] Drift(string extra = "")
        {
            var result = _ps.Invoke("Test-DbRole -Profile $args[0] -Database $args[1] -ServiceCredential $args[2] " + extra,
                _lab.ProfilePath, _lab.Database, _lab.Credentials());
            result.ShouldSucceed();
            return result.Objects<DbRoleDrift>().ToArray();
        }

        [Fact]
        public void The_platform_model_applies_and_every_login_proves_what_it_may_and_may_not_do()
        {
            _lab.DropRoles();
            RoleLab.Exec(_lab.Database, "CREATE TABLE public.before_grants (id serial PRIMARY KEY, v text); INSERT INTO public.before_grants (v) VALUES ('a')");
            var first = ApplyPlatform();
            Assert.Equal(15, first.Length);
            Assert.All(first, r => Assert.NotEqual("Unchanged", r.Action));
            Assert.All(first.Skip(3), r => Assert.Contains(r.Statements, s => s.StartsWith("GRANT \"" + RoleLab.Prefix, StringComparison.Ordinal) || s.Contains(" TO \"" + r.Role + "\"", StringComparison.Ordinal)));

            // A table created after the grants, by an owner role, is covered by the default privileges.
            RoleLab.Exec(_lab.Database, "CREATE TABLE public.after_grants (id serial PRIMARY KEY, v text); INSERT INTO public.after_grants (v) VALUES ('b')");

            var reader = RoleLab.Prefix + "l04_model_gateway";
            var writer = RoleLab.Prefix + "l02_runtime";
            var admin = RoleLab.Prefix + "l01_data_layer";
            foreach (var table in new[] { "before_grants", "after_grants" })
            {
                Assert.Null(_lab.TryAs(reader, $"SELECT * FROM public.{table}"));
                Assert.Equal("42501", _lab.TryAs(reader, $"INSERT INTO public.{table} (v) VALUES ('no')"));
                Assert.Equal("42501", _lab.TryAs(reader, $"DELETE FROM public.{table}"));
                Assert.Null(_lab.TryAs(writer, $"INSERT INTO public.{table} (v) VALUES ('w')"));       // uses the sequence too
                Assert.Null(_lab.TryAs(writer, $"UPDATE public.{table} SET v = 'u' WHERE v = 'w'"));
                Assert.Null(_lab.TryAs(writer, $"DELETE FROM public.{table} WHERE v = 'u'"));
                Assert.Equal("42501", _lab.TryAs(writer, $"TRUNCATE public.{table}"));
                Assert.Equal("42501", _lab.TryAs(writer, $"DROP TABLE public.{table}"));
                Assert.Null(_lab.TryAs(admin, $"TRUNCATE public.{table}"));
            }
            Assert.Equal("42501", _lab.TryAs(writer, "CREATE TABLE public.writer_table (id int)"));
            Assert.Equal("42501", _lab.TryAs(reader, "CREATE TABLE public.reader_table (id int)"));
            // Role attributes are not inherited: the admin login creates roles after SET ROLE to its group.
            Assert.Equal("42501", _lab.TryAs(admin, $"CREATE ROLE {RoleLab.Prefix}made_by_admin NOLOGIN"));
            Assert.Null(_lab.TryAs(admin, $"SET ROLE {_lab.Admin}; CREATE ROLE {RoleLab.Prefix}made_by_admin NOLOGIN; DROP ROLE {RoleLab.Prefix}made_by_admin"));
            Assert.Equal("42501", _lab.TryAs(writer, $"SET ROLE {_lab.Admin}"));
            // A table the admin group creates later is covered as well (the admin role is an owner role by default).
            Assert.Null(_lab.TryAs(admin, $"SET ROLE {_lab.Admin}; CREATE TABLE public.by_admin (id serial PRIMARY KEY)"));
            Assert.Null(_lab.TryAs(reader, "SELECT * FROM public.by_admin"));
            Assert.Null(_lab.TryAs(writer, "INSERT INTO public.by_admin DEFAULT VALUES"));

            // What \du hides: each login is a member of exactly its group, passwords are SCRAM, privileges per schema.
            var roles = Ps("Get-DbRole -Database $db -Name ($rest[0] + '*')", RoleLab.Prefix).Objects<DbRole>().ToDictionary(r => r.Name);
            Assert.Equal(15, roles.Count);
            Assert.Equal(new[] { _lab.Read }, roles[reader].MemberOf);
            Assert.Equal(new[] { _lab.Write }, roles[writer].MemberOf);
            Assert.Equal(new[] { _lab.Admin }, roles[admin].MemberOf);
            Assert.Equal(new[] { _lab.Read }, roles[_lab.Write].MemberOf);
            Assert.All(RoleLab.Services, s => Assert.Equal("SCRAM-SHA-256", roles[RoleLab.Prefix + s].PasswordType));
            Assert.All(RoleLab.Services, s => Assert.True(roles[RoleLab.Prefix + s].Login));
            Assert.False(roles[_lab.Read].Login);
            Assert.True(roles[_lab.Admin].CreateRole);
            var select = roles[writer].Privileges.Single(p => p.Schema == "public" && p.ObjectKind == DbObjectKind.Table && p.Privilege == "SELECT");
            Assert.Equal(_lab.Read, select.Via);
            Assert.True(select.Complete);
            Assert.Contains(roles[_lab.Read].DefaultPrivileges, d => d.Owner == "postgres" && d.Schema == "public" && d.ObjectKind == DbObjectKind.Table && d.Privileges.SequenceEqual(new[] { "SELECT" }));

            // A second apply changes nothing and says so, quickly.
            var clock = Stopwatch.StartNew();
            var second = ApplyPlatform();
            clock.Stop();
            Assert.All(second, r => Assert.Equal("Unchanged", r.Action));
            Assert.All(second, r => Assert.Empty(r.Statements));
            Assert.Empty(Drift());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"second apply took {clock.Elapsed}");
        }

        [Fact]
        public void A_manual_extra_grant_and_membership_show_as_drift_and_the_next_apply_removes_them()
        {
            ApplyPlatform();
            RoleLab.Exec(_lab.Database, "CREATE TABLE IF NOT EXISTS public.drift_target (id int)");
            ApplyPlatform();
            var reader = RoleLab.Prefix + "l06_evaluation";
            RoleLab.Exec(_lab.Database, $"GRANT INSERT ON public.drift_target TO {_lab.Read}; GRANT {_lab.Admin} TO {reader}; GRANT SELECT ON public.drift_target TO {reader}");

            var drift = Drift();
            Assert.Contains(drift, d => d.Role == _lab.Read && d.Kind == DbRoleDriftKind.ExtraGrant && d.Privilege == "INSERT" && d.Schema == "public" && d.ObjectKind == DbObjectKind.Table);
            Assert.Contains(drift, d => d.Role == reader && d.Kind == DbRoleDriftKind.ExtraMembership && d.Privilege == _lab.Admin);
            Assert.Contains(drift, d => d.Role == reader && d.Kind == DbRoleDriftKind.ExtraGrant && d.Privilege == "SELECT");
            Assert.Equal(3, drift.Length);
            Assert.All(drift, d => Assert.StartsWith("REVOKE", d.Fix));
            Assert.False((bool)Ps("Test-DbRole -Database $db -Quiet").Output.Single().BaseObject);

            var fixedResults = ApplyPlatform();
            Assert.Equal(2, fixedResults.Count(r => r.Changed));
            Assert.Empty(Drift());
            Assert.Equal("42501", _lab.TryAs(RoleLab.Prefix + "l09_api_gateway", "INSERT INTO public.drift_target VALUES (1)"));
        }

        [Fact]
        public void A_table_created_by_an_owner_the_default_privileges_do_not_cover_is_reported()
        {
            ApplyPlatform();
            var outsider = RoleLab.Prefix + "outsider";
            RoleLab.Exec(_lab.Database, $"CREATE SCHEMA IF NOT EXISTS uncovered; CREATE ROLE {outsider} NOLOGIN; GRANT CREATE, USAGE ON SCHEMA uncovered TO {outsider}");
            try
            {
                ApplyPlatform();
                RoleLab.Exec(_lab.Database, $"SET ROLE {outsider}; CREATE TABLE uncovered.sneaky (id int)");
                var drift = Drift();
                var uncovered = Assert.Single(drift, d => d.Kind == DbRoleDriftKind.UncoveredOwner);
                Assert.Equal(outsider, uncovered.Role);
                Assert.Equal("uncovered", uncovered.Schema);
                Assert.Null(uncovered.Fix);
                Assert.Contains(drift, d => d.Role == _lab.Read && d.Kind == DbRoleDriftKind.MissingGrant && d.Schema == "uncovered" && d.Privilege == "SELECT");

                var set = _ps.Invoke("Set-DbRole -Platform -Profile $args[0] -Database $args[1] -ServiceCredential $args[2] -Confirm:$false",
                    _lab.ProfilePath, _lab.Database, _lab.Credentials());
                set.ShouldSucceed();
                Assert.Contains(set.Warnings, w => w.Contains(outsider, StringComparison.Ordinal) && w.Contains("Roles.Owners", StringComparison.Ordinal));
                Assert.Null(_lab.TryAs(RoleLab.Prefix + "platform_ui", "SELECT * FROM uncovered.sneaky"));
                // Naming the outsider as an owner role covers its later tables: no drift left.
                Assert.DoesNotContain(_ps.Invoke("Test-DbRole -Profile $args[0] -Database $args[1] -ServiceCredential $args[2] -Owner $args[3]",
                    _lab.ProfilePath, _lab.Database, _lab.Credentials(), new[] { _lab.Admin, "postgres", outsider }).Objects<DbRoleDrift>(),
                    d => d.Kind == DbRoleDriftKind.UncoveredOwner);
            }
            finally
            {
                RoleLab.Exec(_lab.Database, $"DROP SCHEMA uncovered CASCADE; DROP OWNED BY {outsider}; DROP ROLE {outsider}");
            }
        }

        [Fact]
        public void WhatIf_plans_and_changes_nothing()
        {
            var name = RoleLab.Prefix + "whatif";
            var result = Ps("Set-DbRole -Database $db -Name $rest[0] -Login -Access Read -WhatIf", name);
            result.ShouldSucceed();
            Assert.Empty(result.Output);
            Assert.Equal(0L, RoleLab.Scalar<long>(_lab.Database, $"select count(*) from pg_roles where rolname = '{name}'"));

            ApplyPlatform();
            var writer = RoleLab.Prefix + "l03_tool_execution";
            var before = RoleLab.Scalar<string>(_lab.Database, $"select rolpassword from pg_authid where rolname = '{writer}'");
            var changes = Ps("Set-DbRole -Database $db -Name $rest[0] -Login -Access Admin -MemberOf @() -Password $rest[1] -WhatIf", writer,
                new System.Management.Automation.PSCredential("x", PlatformOps.Common.Sensitive.ToSecureString("another-password")));
            changes.ShouldSucceed();
            Assert.Equal(before, RoleLab.Scalar<string>(_lab.Database, $"select rolpassword from pg_authid where rolname = '{writer}'"));
            Assert.Empty(Drift());

            var remove = Ps("Remove-DbRole -Database $db -Name $rest[0] -WhatIf", writer);
            remove.ShouldSucceed();
            Assert.Equal(1L, RoleLab.Scalar<long>(_lab.Database, $"select count(*) from pg_roles where rolname = '{writer}'"));
        }

        [Theory]
        [InlineData("x\"; DROP TABLE t; --")]
        [InlineData("Robert'); DROP TABLE t;--")]
        [InlineData("spaces and \"quotes\" and $$dollars$$")]
        public void Hostile_names_are_created_exactly_as_given_and_nothing_else_runs(string suffix)
        {
            var name = RoleLab.Prefix + suffix;
            var schema = RoleLab.Prefix + "s " + suffix;
            RoleLab.Exec(_lab.Database, "CREATE TABLE IF NOT EXISTS public.t (id int)");
            RoleLab.Exec(_lab.Database, $"CREATE SCHEMA \"{schema.Replace("\"", "\"\"")}\"; CREATE TABLE \"{schema.Replace("\"", "\"\"")}\".inner_t (id int)");
            try
            {
                var password = "pw-" + Guid.NewGuid().ToString("N");
                var set = Ps("Set-DbRole -Database $db -Name $rest[0] -Login -Access Write -Schema $rest[1], 'public' -Password $rest[2] -Owner postgres -Confirm:$false",
                    name, schema, new System.Management.Automation.PSCredential("ignored", PlatformOps.Common.Sensitive.ToSecureString(password)));
                set.ShouldSucceed();
                Assert.Equal("Created", set.Objects<DbRoleSetResult>().Single().Action);
                Assert.Equal(1L, RoleLab.Scalar<long>(_lab.Database, "select count(*) from pg_tables where schemaname = 'public' and tablename = 't'"));
                Assert.Equal(name, RoleLab.Scalar<string>(_lab.Database, $"select rolname from pg_roles where rolname = '{name.Replace("'", "''")}'"));
                Assert.DoesNotContain(password, set.Transcript, StringComparison.Ordinal);

                using (var login = new NpgsqlConnection(Lab.PostgresConnectionString(_lab.Database, user: name, password: password)))
                {
                    login.Open();
                    using var cmd = new NpgsqlCommand($"INSERT INTO \"{schema.Replace("\"", "\"\"")}\".inner_t VALUES (1)", login);
                    Assert.Equal(1, cmd.ExecuteNonQuery());
                }

                var again = Ps("Set-DbRole -Database $db -Name $rest[0] -Login -Access Write -Schema $rest[1], 'public' -Password $rest[2] -Owner postgres",
                    name, schema, new System.Management.Automation.PSCredential("ignored", PlatformOps.Common.Sensitive.ToSecureString(password)));
                Assert.Equal("Unchanged", again.Objects<DbRoleSetResult>().Single().Action);

                var got = Ps("Get-DbRole -Database $db -Name ([WildcardPattern]::Escape($rest[0])) -Schema $rest[1]", name, schema).Objects<DbRole>().Single();
                Assert.Contains(got.Privileges, p => p.Schema == schema && p.Privilege == "INSERT" && p.Complete);

                var removed = Ps("Remove-DbRole -Database $db -Name $rest[0] -Confirm:$false", name);
                removed.ShouldSucceed();
                Assert.Equal(0L, RoleLab.Scalar<long>(_lab.Database, $"select count(*) from pg_roles where rolname = '{name.Replace("'", "''")}'"));
                Assert.Equal(1L, RoleLab.Scalar<long>(_lab.Database, "select count(*) from pg_tables where tablename in ('t')"));
            }
            finally
            {
                RoleLab.Exec(_lab.Database, $"DROP SCHEMA \"{schema.Replace("\"", "\"\"")}\" CASCADE");
            }
        }

        [Fact]
        public void A_name_PostgreSQL_would_truncate_is_refused_before_anything_runs()
        {
            var name = RoleLab.Prefix + new string('x', 60);
            var result = Ps("Set-DbRole -Database $db -Name $rest[0] -Confirm:$false", name);
            Assert.Equal("DbRoleNameInvalid", result.ErrorId);
            Assert.Equal(0L, RoleLab.Scalar<long>(_lab.Database, $"select count(*) from pg_roles where rolname like '{RoleLab.Prefix}xxxx%'"));
            Assert.Equal("DbRoleIsCurrentUser", Ps("Set-DbRole -Database $db -Name postgres -Confirm:$false").ErrorId);
            Assert.Equal("DbRoleNotFound", Ps("Set-DbRole -Database $db -Name $rest[0] -MemberOf no_such_group_here -Confirm:$false", RoleLab.Prefix + "orphan").ErrorId);
            Assert.Equal("DbRoleSchemaNotFound", Ps("Test-DbRole -Database $db -Schema no_such_schema").ErrorId);
        }

        [Fact]
        public void Remove_reassigns_what_the_role_owns_or_drops_it()
        {
            var keeper = RoleLab.Prefix + "keeper";
            var dropper = RoleLab.Prefix + "dropper";
            RoleLab.Exec(_lab.Database, $"CREATE ROLE {keeper} NOLOGIN; CREATE ROLE {dropper} NOLOGIN; GRANT CREATE, USAGE ON SCHEMA public TO {keeper}, {dropper}");
            RoleLab.Exec(_lab.Database, $"SET ROLE {keeper}; CREATE TABLE public.kept (id int)");
            RoleLab.Exec(_lab.Database, $"SET ROLE {dropper}; CREATE TABLE public.dropped (id int)");
            // What it owns in another database is reassigned there too.
            var other = _lab.Database + "_other";
            RoleLab.Exec("postgres", $"CREATE DATABASE {other}");
            try
            {
                RoleLab.Exec(other, $"GRANT CREATE ON SCHEMA public TO {keeper}; SET ROLE {keeper}; CREATE TABLE public.kept_elsewhere (id int)");
                var kept = Ps("Remove-DbRole -Database $db -Name $rest[0] -ReassignTo postgres -Confirm:$false", keeper);
                kept.ShouldSucceed();
                var result = kept.Objects<DbRoleRemoveResult>().Single();
                Assert.True(result.Removed);
                Assert.Equal("postgres", result.ReassignedTo);
                Assert.Equal(new[] { _lab.Database, other }, result.Databases);
                Assert.Equal(2, result.OwnedObjects);
                Assert.Equal("postgres", RoleLab.Scalar<string>(_lab.Database, "select tableowner::text from pg_tables where tablename = 'kept'"));
                Assert.Equal("postgres", RoleLab.Scalar<string>(other, "select tableowner::text from pg_tables where tablename = 'kept_elsewhere'"));
            }
            finally
            {
                RoleLab.Exec("postgres", $"DROP DATABASE {other} WITH (FORCE)");
            }

            Ps("Get-DbRole -Database $db -Name $rest[0]", dropper).ShouldSucceed();
            // Without -ReassignTo or -DropOwnedObjects a role that owns a table is refused, and the table stays.
            var refused = Ps("Remove-DbRole -Database $db -Name $rest[0] -Confirm:$false", dropper);
            Assert.Equal("DbRoleOwnsObjects", refused.ErrorId);
            Assert.Contains("table public.dropped", refused.ErrorMessage, StringComparison.Ordinal);
            Assert.Equal(1L, RoleLab.Scalar<long>(_lab.Database, "select count(*) from pg_tables where tablename = 'dropped'"));
            Ps("Remove-DbRole -Database $db -Name $rest[0] -DropOwnedObjects -Confirm:$false", dropper).ShouldSucceed();
            Assert.Equal(0L, RoleLab.Scalar<long>(_lab.Database, "select count(*) from pg_tables where tablename = 'dropped'"));
            Assert.Equal(0L, RoleLab.Scalar<long>(_lab.Database, $"select count(*) from pg_roles where rolname in ('{keeper}', '{dropper}')"));
            Assert.Equal("DbRoleNotFound", Ps("Remove-DbRole -Database $db -Name $rest[0] -Confirm:$false", dropper).ErrorId);
            RoleLab.Exec(_lab.Database, "DROP TABLE public.kept");
        }

        [Theory]
        [InlineData("plain-ascii-Pa55word!")]
        [InlineData("pässwörd-ﬁ-ｆｕｌｌ")]
        public void Client_side_SCRAM_verifiers_match_what_the_server_computes(string password)
        {
            var name = RoleLab.Prefix + "scram";
            RoleLab.Exec(_lab.Database, $"CREATE ROLE {name} LOGIN PASSWORD '{password}'");
            try
            {
                var stored = RoleLab.Scalar<string>(_lab.Database, $"select rolpassword from pg_authid where rolname = '{name}'");
                Assert.True(ScramVerifier.Matches(stored, password));
                Assert.False(ScramVerifier.Matches(stored, password + "x"));

                var mine = ScramVerifier.Create(password);
                RoleLab.Exec(_lab.Database, $"ALTER ROLE {name} PASSWORD '{mine}'");
                var options = new ProcessOptions { Environment = { ["PGPASSWORD"] = password, ["PGPASSFILE"] = null } };
                var psql = TestProcess.Run("psql", new[] { "-X", "-h", "127.0.0.1", "-p", Lab.PostgresPort.ToString(), "-U", name, "-d", _lab.Database, "-tAc", "select current_user" }, options);
                Assert.True(psql.ExitCode == 0, psql.StdErr);
                Assert.Equal(name, psql.StdOut.Trim());
            }
            finally
            {
                RoleLab.Exec(_lab.Database, $"DROP ROLE {name}");
            }
        }
    }
}
