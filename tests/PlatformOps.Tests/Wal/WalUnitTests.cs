using System;
using PlatformOps.Postgres;
using PlatformOps.Wal;
using Xunit;

namespace PlatformOps.Tests.Wal
{
    /// <summary>The pure parts: segment names, the archive command, the RPO judgement, log parsing.</summary>
    public sealed class WalUnitTests
    {
        private static readonly DateTime Now = new DateTime(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void Segment_names_round_trip_and_follow_the_segment_size()
        {
            var s = WalSegment.Parse("0000000100000002000000FF", WalSegment.DefaultSegmentSize);
            Assert.Equal(2UL * 256 + 255, s.Number);
            Assert.Equal("000000010000000300000000", s.Next.Name);
            Assert.Equal("000000010000000000000002", WalSegment.Containing(1, WalSegment.ParseLsn("0/3000000"), WalSegment.DefaultSegmentSize, boundaryBelongsToPrevious: true).Name);
            Assert.Equal("0/3000028", WalSegment.FormatLsn(WalSegment.ParseLsn("0/3000028")));
            Assert.False(WalSegment.TryParse("000000010000000000000100", WalSegment.DefaultSegmentSize, out _));
            Assert.True(WalSwitch.IsAtOrAfter("000000020000000000000005", "000000010000000000000005"));
            Assert.False(WalSwitch.IsAtOrAfter("000000010000000000000004", "000000010000000000000005"));
        }

        [Theory]
        [InlineData("/tmp/platformops-lab/wal-archive")]
        [InlineData("/srv/it's a \"dir\" with 100% $(rm -rf /)")]
        public void The_directory_command_quotes_the_folder_and_can_be_read_back(string folder)
        {
            var command = ArchiveCommands.ForDirectory(folder);
            Assert.Equal(folder, ArchiveCommands.DirectoryOf(command));
            Assert.Contains("%f", command, StringComparison.Ordinal);
            Assert.Contains("cmp -s %p", command, StringComparison.Ordinal);
            Assert.Null(ArchiveCommands.DirectoryOf("cp %p /x/%f"));
        }

        private static PlatformWalStatus Status(Action<PlatformWalStatus> set)
        {
            var s = new PlatformWalStatus { ArchiveMode = "on", RpoTarget = TimeSpan.FromMinutes(5), ReadyBacklog = 0, SampleDuration = TimeSpan.FromSeconds(1) };
            set(s);
            return s;
        }

        [Fact]
        public void An_idle_server_whose_last_archive_is_hours_old_is_not_an_alarm()
        {
            var s = Status(x => { x.LastArchivedWal = "000000010000000000000009"; x.LastArchivedTime = Now.AddHours(-6); x.PendingBytes = 0; });
            WalStatusReader.EstimateRpo(s, Now, Now.AddHours(-6));
            Assert.Equal(WalRpoState.UpToDate, s.RpoState);
            Assert.Equal(TimeSpan.Zero, s.RpoEstimate);
            Assert.True(s.RpoOk);
        }

        [Fact]
        public void Waiting_segments_that_do_not_move_are_stalled_and_their_age_is_the_RPO()
        {
            var s = Status(x => { x.ReadyBacklog = 3; x.OldestReadyTime = Now.AddMinutes(-12); x.LastArchivedTime = Now.AddMinutes(-13); x.ArchivedDuringSample = 0; });
            WalStatusReader.EstimateRpo(s, Now, null);
            Assert.Equal(WalRpoState.Stalled, s.RpoState);
            Assert.Equal(TimeSpan.FromMinutes(12), s.RpoEstimate);
            Assert.False(s.RpoOk);

            var busy = Status(x => { x.ReadyBacklog = 2; x.OldestReadyTime = Now.AddSeconds(-20); x.ArchivedDuringSample = 4; });
            WalStatusReader.EstimateRpo(busy, Now, null);
            Assert.Equal(WalRpoState.Behind, busy.RpoState);
            Assert.True(busy.RpoOk);
        }

        [Fact]
        public void An_open_segment_is_bounded_by_archive_timeout_and_failures_are_never_ok()
        {
            var open = Status(x => { x.PendingBytes = 5_000_000; x.ArchiveTimeoutSec = 60; x.LastArchivedTime = Now.AddHours(-2); });
            WalStatusReader.EstimateRpo(open, Now, Now.AddHours(-2));
            Assert.Equal(WalRpoState.Current, open.RpoState);
            Assert.Equal(TimeSpan.FromSeconds(60), open.RpoEstimate);
            Assert.True(open.RpoOk);

            var noTimeout = Status(x => { x.PendingBytes = 5_000_000; x.ArchiveTimeoutSec = 0; });
            WalStatusReader.EstimateRpo(noTimeout, Now, Now.AddHours(-2));
            Assert.Equal(TimeSpan.FromHours(2), noTimeout.RpoEstimate);
            Assert.False(noTimeout.RpoOk);

            var failing = Status(x => { x.ArchiveFailing = true; x.FailedCount = 3; x.ReadyBacklog = 1; x.OldestReadyTime = Now.AddSeconds(-5); });
            WalStatusReader.EstimateRpo(failing, Now, null);
            Assert.Equal(WalRpoState.Failing, failing.RpoState);
            Assert.False(failing.RpoOk);

            var off = Status(x => x.ArchiveMode = "off");
            WalStatusReader.EstimateRpo(off, Now, null);
            Assert.Equal(WalRpoState.NotArchiving, off.RpoState);
            Assert.Null(off.RpoEstimate);
            Assert.False(off.RpoOk);
        }

        [Fact]
        public void The_archive_commands_own_error_is_found_in_the_log()
        {
            const string log = "2025-06-01 12:00:00.000 UTC [10] LOG:  checkpoint complete\n" +
                               "cp: cannot create regular file '/gone/000000010000000000000003': No such file or directory\n" +
                               "2025-06-01 12:00:01.000 UTC [11] LOG:  archive command failed with exit code 1\n" +
                               "2025-06-01 12:00:01.000 UTC [11] DETAIL:  The failed archive command was: cp pg_wal/000000010000000000000003 /gone/000000010000000000000003\n";
            var reason = WalStatusReader.ReasonFromLog(log);
            Assert.StartsWith("cp: cannot create regular file '/gone/000000010000000000000003': No such file or directory (archive command failed with exit code 1; the failed archive command was: cp pg_wal/", reason, StringComparison.Ordinal);
            Assert.Null(WalStatusReader.ReasonFromLog("LOG:  all fine\n"));
        }

        [Fact]
        public void Recovery_settings_never_archive_and_quote_the_archive_path()
        {
            var text = ClusterRestore.RecoverySettings("/srv/wal's", new DateTime(2025, 6, 1, 12, 0, 0, 500, DateTimeKind.Utc), 55555, "/tmp/x");
            Assert.Contains("archive_mode = 'off'", text, StringComparison.Ordinal);
            Assert.Contains("port = 55555", text, StringComparison.Ordinal);
            Assert.Contains("recovery_target_time = '2025-06-01 12:00:00.500000+00'", text, StringComparison.Ordinal);
            // The shell quoting adds a backslash, which postgresql.conf reads as an escape unless it is doubled.
            Assert.Contains("restore_command = 'cp ''/srv/wal''\\\\''''s''/%f %p'", text, StringComparison.Ordinal);
        }
    }
}
