using System;
using System.Linq;
using System.Management.Automation;
using Npgsql;
using PlatformOps.Roles;
using PlatformOps.Tests.Infrastructure;
using Xunit;

namespace PlatformOps.Tests.Roles
{
    /// <summary>
    /// Remove-DbRole refuses a role that owns objects anywhere in the cluster (naming them) unless told to reassign or
    /// drop them, and acts on the server a piped role was read from.
    /// </summary>
    [Collection(LabCollection.Name)]
    [Trait(Category.Name, Category.Docker)]
    public sealed class RemoveDbRoleTests : IClassFixture<RoleLab>
    {
        private static int PlainPort => Lab.PlainPostgresPort;
        private readonly PowerShellFixture _ps;
        private readonly RoleLab _lab;

        public RemoveDbRoleTests(PowerShellFixture ps, RoleLab lab)
        {
            _ps = ps;
            _lab = lab;
        }

        private PowerShellFixture.Result Ps(string script, params object[] args)
            => _ps.Invoke("$p = Import-PlatformProfile -Path $args[0] -PassThru; $db = $args[1]; $rest = @(if ($args.Count -gt 2) { $args[2..($args.Count - 1)] })\n" + script,
                new object[] { _lab.ProfilePath, _lab.Database }.Concat(args).ToArray());

        private static long Count(string database, string sql) => RoleLab.Scalar<long>(database, sql);

        private static NpgsqlConnection OpenPlain(string database) => Lab.OpenPostgres(database, PlainPort);

        private static object? ExecPlain(string sql, string database = "postgres")
        {
            using var c = OpenPlain(database);
            using var cmd = new NpgsqlCommand(sql, c);
            return cmd.ExecuteScalar();
        }

        [Fact]
        public void A_role_that_owns_objects_in_another_database_is_refused_by_name_and_nothing_changes()
        {
            var owner = RoleLab.Prefix + "owner";
            var clean = RoleLab.Prefix + "clean";
            var other = _lab.Database + "_elsewhere";
            RoleLab.Exec(_lab.Database, $"CREATE ROLE {owner} NOLOGIN; CREATE ROLE {clean} NOLOGIN; GRANT USAGE ON SCHEMA public TO {clean}");
            RoleLab.Exec("postgres", $"CREATE DATABASE {other}");
            try
            {
                // Nothing owned in the connected database: only in another one (and 14 more tables there, to see the cap).
                RoleLab.Exec(other, $"GRANT CREATE ON SCHEMA public TO {owner}; SET ROLE {owner}; CREATE TABLE public.precious (id int); INSERT INTO public.precious VALUES (1);"
                    + string.Concat(Enumerable.Range(1, 14).Select(i => $"CREATE TABLE public.extra_{i:00} (id int);")));

                var refused = Ps("Get-DbRole -Database $db -Name $rest[0], $rest[1] | Remove-DbRole -Confirm:$false", owner, clean);
                Assert.Null(refused.Terminating);
                var error = Assert.Single(refused.Errors);
                Assert.Equal("DbRoleOwnsObjects", error.FullyQualifiedErrorId.Split(',')[0]);
                Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
                var message = error.Exception.Message;
                Assert.Contains("15 objects", message, StringComparison.Ordinal);
                Assert.Contains("table public.extra_01", message, StringComparison.Ordinal);
                Assert.Contains($"'{other}'", message, StringComparison.Ordinal);
                Assert.Contains("and 5 more", message, StringComparison.Ordinal);
                Assert.Contains("-ReassignTo", message, StringComparison.Ordinal);
                Assert.Contains("-DropOwnedObjects", message, StringComparison.Ordinal);
                // The other input was removed; the owner and its data are untouched.
                Assert.Equal(clean, Assert.Single(refused.Objects<DbRoleRemoveResult>()).Role);
                Assert.Equal(0L, Count(_lab.Database, $"select count(*) from pg_roles where rolname = '{clean}'"));
                Assert.Equal(1L, Count(_lab.Database, $"select count(*) from pg_roles where rolname = '{owner}'"));
                Assert.Equal(1L, Count(other, "select count(*) from public.precious"));

                // -WhatIf with -DropOwnedObjects changes nothing either.
                Ps("Remove-DbRole -Database $db -Name $rest[0] -DropOwnedObjects -WhatIf", owner).ShouldSucceed();
                Assert.Equal(1L, Count(other, "select count(*) from public.precious"));

                var dropped = Ps("Remove-DbRole -Database $db -Name $rest[0] -DropOwnedObjects -Confirm:$false", owner);
                dropped.ShouldSucceed();
                var result = dropped.Objects<DbRoleRemoveResult>().Single();
                Assert.Equal(15, result.DroppedObjects);
                Assert.Contains("table public.precious (in database '" + other + "')", result.Owned);
                Assert.Equal(0L, Count(other, "select count(*) from pg_tables where tablename = 'precious'"));
                Assert.Equal(0L, Count(_lab.Database, $"select count(*) from pg_roles where rolname = '{owner}'"));
            }
            finally
            {
                RoleLab.Exec("postgres", $"DROP DATABASE IF EXISTS {other} WITH (FORCE)");
            }
        }

        [Fact]
        public void A_role_that_owns_a_database_is_named_and_DropOwnedObjects_cannot_remove_it_but_ReassignTo_can()
        {
            var owner = RoleLab.Prefix + "dbowner";
            var owned = _lab.Database + "_owned";
            RoleLab.Exec("postgres", $"CREATE ROLE {owner} NOLOGIN");
            RoleLab.Exec("postgres", $"CREATE DATABASE {owned} OWNER {owner}");
            try
            {
                var refused = Ps("Remove-DbRole -Database $db -Name $rest[0] -Confirm:$false", owner);
                Assert.Equal("DbRoleOwnsObjects", refused.ErrorId);
                Assert.Contains("database " + owned, refused.ErrorMessage, StringComparison.Ordinal);

                var drop = Ps("Remove-DbRole -Database $db -Name $rest[0] -DropOwnedObjects -Confirm:$false", owner);
                Assert.Equal("DbRoleOwnsSharedObjects", drop.ErrorId);
                Assert.Equal(1L, Count("postgres", $"select count(*) from pg_database where datname = '{owned}'"));

                Assert.Equal("DbRoleRemoveOptionsConflict", Ps("Remove-DbRole -Database $db -Name $rest[0] -DropOwnedObjects -ReassignTo postgres -Confirm:$false", owner).ErrorId);

                var reassigned = Ps("Remove-DbRole -Database $db -Name $rest[0] -ReassignTo postgres -Confirm:$false", owner);
                reassigned.ShouldSucceed();
                Assert.Equal("postgres", RoleLab.Scalar<string>("postgres", $"select pg_get_userbyid(datdba)::text from pg_database where datname = '{owned}'"));
                Assert.Equal(0L, Count("postgres", $"select count(*) from pg_roles where rolname = '{owner}'"));
            }
            finally
            {
                RoleLab.Exec("postgres", $"DROP DATABASE IF EXISTS {owned} WITH (FORCE)");
                RoleLab.Exec("postgres", $"DROP ROLE IF EXISTS {owner}");
            }
        }

        [Fact]
        public void A_role_piped_from_another_server_is_removed_there_not_on_the_profile_server()
        {
            // The session profile points at the Docker-mode server (55432); the role is read from the plain-mode one (55433).
            var name = RoleLab.Prefix + "twin_" + System.Security.Cryptography.RandomNumberGenerator.GetHexString(8, lowercase: true);
            RoleLab.Exec("postgres", $"CREATE ROLE {name} NOLOGIN");
            ExecPlain($"CREATE ROLE {name} NOLOGIN");
            try
            {
                var result = Ps("Get-DbRole -Server 127.0.0.1 -Port $rest[1] -Database postgres -PassFile $rest[2] -Name $rest[0] | Remove-DbRole -Confirm:$false",
                    name, PlainPort, Lab.PgPassFile);
                result.ShouldSucceed();
                var removed = result.Objects<DbRoleRemoveResult>().Single();
                Assert.Equal("127.0.0.1:" + PlainPort, removed.Server);
                Assert.Equal(0L, (long)ExecPlain($"select count(*) from pg_roles where rolname = '{name}'")!);
                Assert.Equal(1L, Count("postgres", $"select count(*) from pg_roles where rolname = '{name}'"));

                // Naming the other server for a piped role is refused rather than guessed.
                ExecPlain($"CREATE ROLE {name} NOLOGIN");
                var mismatch = Ps("Get-DbRole -Server 127.0.0.1 -Port $rest[1] -Database postgres -PassFile $rest[2] -Name $rest[0] | Remove-DbRole -Server 127.0.0.1 -Port 55432 -Confirm:$false",
                    name, PlainPort, Lab.PgPassFile);
                Assert.Equal("DbRoleServerMismatch", mismatch.ErrorId);
                Assert.Equal(1L, (long)ExecPlain($"select count(*) from pg_roles where rolname = '{name}'")!);
                Assert.Equal(1L, Count("postgres", $"select count(*) from pg_roles where rolname = '{name}'"));
            }
            finally
            {
                ExecPlain($"DROP ROLE IF EXISTS {name}");
                RoleLab.Exec("postgres", $"DROP ROLE IF EXISTS {name}");
            }
        }
    }
}
