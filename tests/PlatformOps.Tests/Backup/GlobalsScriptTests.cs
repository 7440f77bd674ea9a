using System.Collections.Generic;
using System.Linq;
using PlatformOps.Backup;
using Xunit;

namespace PlatformOps.Tests.Backup
{
    /// <summary>The globals script filter and the setting values, on text as pg_dumpall and pg_db_role_setting write it.</summary>
    public sealed class GlobalsScriptTests
    {
        private const string Script = @"--
-- PostgreSQL database cluster dump
--

\restrict abc123

SET default_transaction_read_only = off;
SET standard_conforming_strings = on;

CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:old';
CREATE ROLE keep_r;
ALTER ROLE keep_r WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'md5old';
COMMENT ON ROLE keep_r IS 'it''s; not -- the end';
CREATE ROLE ""We""""ird; r"";
ALTER ROLE ""We""""ird; r"" WITH LOGIN PASSWORD E'a\'; b';
ALTER ROLE ""We""""ird; r"" SET search_path TO 'x;y';
CREATE ROLE gone_r;
ALTER ROLE gone_r WITH LOGIN;
/* a block; comment */
GRANT keep_r TO gone_r WITH INHERIT TRUE GRANTED BY postgres;
GRANT gone_r TO keep_r GRANTED BY postgres;
GRANT SET ON PARAMETER work_mem TO keep_r;
CREATE TABLESPACE ts1 OWNER postgres LOCATION '/x';
COMMENT ON TABLESPACE ts1 IS $$dollar; quoted$$;
CREATE TABLESPACE ts2 OWNER postgres LOCATION '/y';

\unrestrict abc123
";

        [Fact]
        public void Split_keeps_quoted_semicolons_and_meta_commands_and_drops_comments()
        {
            var statements = GlobalsScript.Split(Script);
            Assert.Equal(@"\restrict abc123", statements[0]);
            Assert.Equal(@"\unrestrict abc123", statements[^1]);
            Assert.Contains("COMMENT ON ROLE keep_r IS 'it''s; not -- the end';", statements);
            Assert.Contains("CREATE ROLE \"We\"\"ird; r\";", statements);
            Assert.Contains("ALTER ROLE \"We\"\"ird; r\" WITH LOGIN PASSWORD E'a\\'; b';", statements);
            Assert.Contains("COMMENT ON TABLESPACE ts1 IS $$dollar; quoted$$;", statements);
            Assert.DoesNotContain(statements, s => s.Contains("block") || s.StartsWith("--"));
            Assert.Equal(20, statements.Count);
        }

        [Fact]
        public void Existing_roles_and_tablespaces_are_left_alone_and_missing_ones_created()
        {
            var plan = GlobalsScript.Filter(Script, new HashSet<string> { "postgres", "keep_r" }, new HashSet<string> { "ts1" }, overwriteRoles: false);
            Assert.Equal(new[] { "We\"ird; r", "gone_r" }, plan.Created);
            Assert.Equal(new[] { "postgres", "keep_r" }, plan.Skipped);
            Assert.Empty(plan.Overwritten);
            Assert.Equal(new[] { "ts1" }, plan.TablespacesSkipped);
            Assert.DoesNotContain("keep_r", plan.Script.Replace("GRANT keep_r TO gone_r", string.Empty));
            Assert.DoesNotContain("ALTER ROLE postgres", plan.Script);
            Assert.DoesNotContain("ts1", plan.Script);
            Assert.Contains("CREATE ROLE gone_r;", plan.Script);
            Assert.Contains("GRANT keep_r TO gone_r WITH INHERIT TRUE GRANTED BY postgres;", plan.Script); // the new role's membership
            Assert.Contains("ALTER ROLE \"We\"\"ird; r\" SET search_path TO 'x;y';", plan.Script);
            Assert.Contains("CREATE TABLESPACE ts2", plan.Script);
            Assert.StartsWith(@"\restrict abc123", plan.Script);
        }

        [Fact]
        public void OverwriteRoles_resets_existing_roles_but_never_the_login_in_use()
        {
            var plan = GlobalsScript.Filter(Script, new HashSet<string> { "postgres", "keep_r" }, new HashSet<string>(), overwriteRoles: true, currentUser: "postgres");
            Assert.Equal(new[] { "keep_r" }, plan.Overwritten);
            Assert.Equal(new[] { "postgres" }, plan.Skipped);
            Assert.Contains("ALTER ROLE keep_r WITH", plan.Script);
            Assert.DoesNotContain("CREATE ROLE keep_r;", plan.Script);
            Assert.DoesNotContain("ALTER ROLE postgres", plan.Script);
            Assert.Contains("GRANT gone_r TO keep_r GRANTED BY postgres;", plan.Script);
        }

        [Fact]
        public void Staging_names_are_cut_to_63_bytes_between_characters()
        {
            // 41 bytes, then 4-byte emoji: 44 bytes fit before the suffix, which ends between the two halves of the first emoji.
            var name = PgRestore.Name(new string('x', 41) + "😀😀😀😀😀😀", "_restoring_0123abcd");
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(name) <= 63);
            Assert.Equal(name, System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(name))); // no lone surrogate
            Assert.Equal(new string('x', 41) + "_restoring_0123abcd", name);
        }

        [Theory]
        [InlineData("search_path", "\"$user\", public, \"Odd \"\"Schema\"\"\"", "'$user', 'public', 'Odd \"Schema\"'")]
        [InlineData("statement_timeout", "5s", "'5s'")]
        [InlineData("application_name", "it's \\ here", "E'it''s \\\\ here'")]
        [InlineData("temp_tablespaces", "", "''")]
        public void Setting_values_are_quoted_as_pg_dump_does(string name, string stored, string expected)
            => Assert.Equal(expected, DatabasePropertiesIo.SettingValue(name, stored));
    }
}
