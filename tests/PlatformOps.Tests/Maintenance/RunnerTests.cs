using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PlatformOps.Common;
using PlatformOps.Maintenance;
using Xunit;

namespace PlatformOps.Tests.Maintenance
{
    /// <summary>
    /// The runner's promises, judged from outside: flock(1) for the lock, the log file as written bytes, a real HTTP
    /// listener on 127.0.0.1 for the webhook, a tmpfs of 64 KB for a full disk.
    /// </summary>
    public sealed class RunnerTests : IDisposable
    {
        private readonly MaintenanceFolder _folder = new MaintenanceFolder("runner");

        public void Dispose() => _folder.Dispose();

        private MaintenancePlan Plan(Action<System.Text.Json.Nodes.JsonObject>? maintenance = null)
            => _folder.Plan(_folder.Profile("runner", maintenance, lab: false));

        private static MaintenanceRunRequest Request(MaintenancePlan plan, MaintenanceJobName job = MaintenanceJobName.Readiness)
            => new MaintenanceRunRequest(plan, plan.Job(job)) { LockWait = TimeSpan.Zero };

        private static int Flock(string lockPath) => MaintenanceFolder.Run("flock", "-n", lockPath, "true").ExitCode;

        [Fact]
        public void The_lock_is_a_real_flock_held_for_the_run_and_released_after()
        {
            var plan = Plan();
            int during = -1;
            var result = MaintenanceRunner.Run(Request(plan), ct =>
            {
                during = Flock(plan.LockPath);
                Assert.True(File.Exists(plan.MarkerPath), "the run marker names the holder while it runs");
                return new JobOutcome();
            }, CancellationToken.None);
            Assert.Equal(1, during);
            Assert.Equal(0, Flock(plan.LockPath));
            Assert.False(File.Exists(plan.MarkerPath));
            Assert.Equal(MaintenanceOutcome.Succeeded, result.Run.Outcome);
            var logged = MaintenanceLog.Read(plan.LogPath, out var damaged).Single();
            Assert.Equal(0, damaged);
            Assert.Equal(result.Run.RunId, logged.RunId);
            Assert.Equal(0, logged.ExitCode);
        }

        [Fact]
        public void A_run_that_finds_the_lock_held_by_another_process_is_Busy_with_exit_code_75_and_does_nothing()
        {
            var plan = Plan();
            Directory.CreateDirectory(plan.StatePath);
            using var holder = Process.Start(new ProcessStartInfo("flock", $"{plan.LockPath} sleep 30") { UseShellExecute = false })!;
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (Flock(plan.LockPath) == 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);
                var ran = false;
                var request = Request(plan);
                request.LockWait = TimeSpan.FromSeconds(1);
                var clock = Stopwatch.StartNew();
                var result = MaintenanceRunner.Run(request, _ => { ran = true; return new JobOutcome(); }, CancellationToken.None);
                Assert.False(ran);
                Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), "it waited for the lock");
                Assert.Equal(MaintenanceOutcome.Busy, result.Run.Outcome);
                Assert.Equal(75, result.Run.ExitCode);
                Assert.Contains("holds the maintenance lock", result.Run.Message);
                Assert.Equal(MaintenanceOutcome.Busy, MaintenanceLog.Read(plan.LogPath, out _).Single().Outcome);
            }
            finally
            {
                holder.Kill();
                holder.WaitForExit();
            }
        }

        [Fact]
        public void A_run_past_its_time_limit_is_cancelled_TimedOut_with_exit_code_124()
        {
            var plan = Plan();
            var request = Request(plan);
            request.TimeLimit = TimeSpan.FromMilliseconds(300);
            var result = MaintenanceRunner.Run(request, ct => { ct.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)); ct.ThrowIfCancellationRequested(); return new JobOutcome(); }, CancellationToken.None);
            Assert.Equal(MaintenanceOutcome.TimedOut, result.Run.Outcome);
            Assert.Equal(124, result.Run.ExitCode);
            Assert.True(result.Run.Duration < TimeSpan.FromSeconds(5));
            Assert.Equal(0, Flock(plan.LockPath));
        }

        [Fact]
        public void A_run_that_ignores_its_time_limit_is_given_up_by_the_watchdog_which_logs_it()
        {
            var plan = Plan();
            var request = Request(plan);
            request.TimeLimit = TimeSpan.FromMilliseconds(200);
            request.HangGrace = TimeSpan.FromMilliseconds(300);
            MaintenanceRun? hung = null;
            var result = MaintenanceRunner.Run(request, _ => { Thread.Sleep(1500); return new JobOutcome(); }, CancellationToken.None, run => hung = run);
            Assert.NotNull(hung);
            Assert.Equal(MaintenanceOutcome.TimedOut, result.Run.Outcome);
            Assert.Contains("did not stop", result.Run.Message);
            Assert.Single(MaintenanceLog.Read(plan.LogPath, out _));
        }

        [Fact]
        public void A_marker_left_by_a_dead_run_is_logged_as_Interrupted_by_the_next_run()
        {
            var plan = Plan();
            Directory.CreateDirectory(plan.StatePath);
            MaintenanceLock.WriteMarker(plan.MarkerPath, new RunMarker { RunId = "deadbeef0001", Job = "Backup", ProcessId = 424242, Host = "elsewhere", StartedAt = DateTime.UtcNow.AddMinutes(-3) });
            var result = MaintenanceRunner.Run(Request(plan), _ => new JobOutcome(), CancellationToken.None);
            Assert.NotNull(result.Interrupted);
            var runs = MaintenanceLog.Read(plan.LogPath, out _);
            var lost = runs.Single(r => r.RunId == "deadbeef0001");
            Assert.Equal(MaintenanceOutcome.Interrupted, lost.Outcome);
            Assert.Equal(MaintenanceJobName.Backup, lost.Job);
            Assert.Contains("424242", lost.Message);
            Assert.NotEqual(0, lost.ExitCode);
        }

        [Fact]
        public void The_log_rotates_and_keeps_only_LogKeep_files_every_line_whole()
        {
            var plan = Plan(m => { m["LogMaxMB"] = 0.01; m["LogKeep"] = 2; }); // 10 KB: rotates every few runs
            for (var i = 0; i < 30; i++) MaintenanceRunner.Run(Request(plan), _ => new JobOutcome { Message = new string('x', 2000) }, CancellationToken.None);
            var files = MaintenanceLog.Files(plan.LogPath);
            Assert.Equal(new[] { plan.LogPath + ".2", plan.LogPath + ".1", plan.LogPath }, files);
            foreach (var f in files) Assert.True(new FileInfo(f).Length <= 10 * 1048.576, $"{f} is {new FileInfo(f).Length} bytes");
            var runs = MaintenanceLog.Read(plan.LogPath, out var damaged);
            Assert.Equal(0, damaged);
            Assert.InRange(runs.Count, 3, 15);
            Assert.Equal(runs.Last().RunId, MaintenanceLog.Read(plan.LogPath, out _).Last().RunId);
            Assert.False(File.Exists(plan.LogPath + ".3"));
        }

        [Fact]
        public void A_full_disk_for_the_log_leaves_the_log_whole_and_turns_success_into_exit_code_74()
        {
            var disk = Path.Combine(_folder.Root, "logdisk");
            Directory.CreateDirectory(disk);
            var (code, output) = MaintenanceFolder.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk);
            Assert.True(code == 0, "mounting a 64 KB tmpfs needs root: " + output);
            try
            {
                var log = Path.Combine(disk, "maintenance.log");
                var plan = Plan(m => m["LogPath"] = log);
                var first = MaintenanceRunner.Run(Request(plan), _ => new JobOutcome(), CancellationToken.None);
                Assert.Null(first.LogError);
                var before = File.ReadAllBytes(log);
                // Fill the disk to the last byte (dd stops with "No space left on device").
                MaintenanceFolder.Run("dd", "if=/dev/zero", "of=" + Path.Combine(disk, "fill"), "bs=1k");
                MaintenanceFolder.Run("dd", "if=/dev/zero", "of=" + Path.Combine(disk, "fill2"), "bs=1");
                Assert.Equal(0, new DriveInfo(disk).AvailableFreeSpace);
                var result = MaintenanceRunner.Run(Request(plan), _ => new JobOutcome { Message = new string('y', 6000) } /* more than the 4 KB page the log's last line left room in */, CancellationToken.None);
                Assert.Equal(MaintenanceOutcome.Succeeded, result.Run.Outcome);
                Assert.Equal(74, result.Run.ExitCode);
                Assert.Equal("PlatformMaintenanceLogNotWritten", result.LogError!.ErrorId);
                Assert.Contains(log, result.LogError.Message);
                Assert.Equal(before, File.ReadAllBytes(log)); // no half line
                Assert.Equal(0, Flock(plan.LockPath));
            }
            finally
            {
                var (umount, why) = MaintenanceFolder.Run("umount", disk);
                Assert.True(umount == 0, "umount: " + why);
            }
        }

        [Fact]
        public async Task A_failed_run_is_posted_to_the_webhook_as_JSON_and_the_URL_token_is_never_logged()
        {
            var port = LoopbackPort.Free();
            var token = "s3cr3t-" + Guid.NewGuid().ToString("N");
            using var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            var received = new System.Collections.Concurrent.ConcurrentQueue<(string Path, string Body, string? Type)>();
            var serve = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await listener.GetContextAsync(); } catch (Exception) { return; }
                    using var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8);
                    received.Enqueue((ctx.Request.Url!.AbsolutePath, await reader.ReadToEndAsync(), ctx.Request.ContentType));
                    ctx.Response.StatusCode = 204;
                    ctx.Response.Close();
                }
            });
            var urlFile = Path.Combine(_folder.Root, "webhook.url");
            File.WriteAllText(urlFile, $"http://127.0.0.1:{port}/hooks/{token}\n");
            var plan = Plan(m => m["WebhookUrlFile"] = urlFile);
            var request = Request(plan);
            request.WebhookUrl = FailureWebhook.Resolve(plan.Settings.WebhookUrl, plan.Settings.WebhookUrlFile);

            var ok = MaintenanceRunner.Run(request, _ => new JobOutcome(), CancellationToken.None);
            Assert.False(ok.Notified);
            var failed = MaintenanceRunner.Run(request, _ => new JobOutcome { Failed = true, Message = "pg_dump: connection refused", ErrorId = "PlatformBackupFailed" }, CancellationToken.None);
            Assert.True(failed.Notified, failed.WebhookError);
            listener.Stop();
            await serve;

            var post = Assert.Single(received);
            Assert.Equal($"/hooks/{token}", post.Path);
            Assert.StartsWith("application/json", post.Type);
            var body = MaintenanceRun.FromJsonLine(post.Body)!;
            Assert.Equal(MaintenanceOutcome.Failed, body.Outcome);
            Assert.Equal("PlatformBackupFailed", body.ErrorId);
            Assert.Equal(failed.Run.RunId, body.RunId);
            Assert.DoesNotContain(token, File.ReadAllText(plan.LogPath));

            // A webhook that does not answer is reported without its path.
            request.WebhookUrl = $"http://127.0.0.1:{LoopbackPort.Free()}/hooks/{token}";
            var unreachable = MaintenanceRunner.Run(request, _ => new JobOutcome { Failed = true, Message = "x" }, CancellationToken.None);
            Assert.False(unreachable.Notified);
            Assert.DoesNotContain(token, unreachable.WebhookError);
        }
    }
}
