using System;
using Xunit;

namespace PlatformOps.Tests.Infrastructure
{
    /// <summary>The tests' process helper keeps secrets off command lines, and passes them where they belong.</summary>
    public sealed class TestProcessTests
    {
        [Fact]
        public void A_registered_secret_in_an_argument_is_refused_before_anything_starts()
        {
            var secret = TestProcess.KeepSecret("kit-" + Guid.NewGuid().ToString("N"));
            var marker = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kit-" + Guid.NewGuid().ToString("N"));
            var error = Assert.Throws<InvalidOperationException>(() => TestProcess.Run("touch", marker, "--" + secret));
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
            Assert.False(System.IO.File.Exists(marker), "the program must not have run");
        }

        [Fact]
        public void A_secret_goes_to_the_child_by_environment_and_input_and_a_variable_can_be_removed()
        {
            var secret = TestProcess.KeepSecret("kit-" + Guid.NewGuid().ToString("N"));
            var options = new ProcessOptions { Environment = { ["KIT_SECRET"] = secret, ["HOME"] = null }, StandardInput = "from-stdin" };
            var r = TestProcess.Run("sh", new[] { "-c", "printf '%s|%s|' \"$KIT_SECRET\" \"${HOME-unset}\"; cat" }, options).EnsureSuccess();
            Assert.Equal(secret + "|unset|from-stdin", r.StdOut);
        }

        [Fact]
        public void A_failing_program_fails_the_check_with_its_output_and_a_slow_one_is_killed_at_the_deadline()
        {
            var failed = Assert.Throws<InvalidOperationException>(() => TestProcess.Check("sh", "-c", "echo to-stderr >&2; exit 3"));
            Assert.Contains("(3)", failed.Message, StringComparison.Ordinal);
            Assert.Contains("to-stderr", failed.Message, StringComparison.Ordinal);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.Throws<TimeoutException>(() => TestProcess.Run("sleep", new[] { "30" }, new ProcessOptions { TimeoutSeconds = 1 }));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        }
    }
}
