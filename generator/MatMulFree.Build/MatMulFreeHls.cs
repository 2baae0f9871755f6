using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MatMulFree.Build
{
    /// <summary>
    /// Writes an HLS project (docs/hls.md) for each model manifest by running
    /// <c>dotnet exec mmf.dll hls MANIFEST -o OUTPUT/NAME [arguments]</c> as a process.
    /// Manifest file names come from wildcards and may be anything a file system
    /// allows: they are passed as arguments (<see cref="CommandLine"/>), never
    /// through a shell as MSBuild's Exec would.
    /// </summary>
    public sealed class MatMulFreeHls : Task
    {
        /// <summary>The dotnet host (DOTNET_HOST_PATH).</summary>
        [Required]
        public string DotnetHost { get; set; } = "";

        /// <summary>mmf.dll.</summary>
        [Required]
        public string ToolPath { get; set; } = "";

        /// <summary>The MatMulFreeModel items.</summary>
        [Required]
        public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>Each model's project goes to OutputRoot/NAME, NAME its file name without ".mmf.json".</summary>
        [Required]
        public string OutputRoot { get; set; } = "";

        /// <summary>More arguments for every run (MatMulFreeHlsArguments, a ';'-separated list).</summary>
        public string[] Arguments { get; set; } = Array.Empty<string>();

        public override bool Execute()
        {
            foreach (var model in Models)
            {
                string manifest = model.GetMetadata("FullPath");
                string name = Path.GetFileName(manifest);
                foreach (var suffix in new[] { ".mmf.json", ".json" })
                {
                    if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && name.Length > suffix.Length)
                    {
                        name = name.Substring(0, name.Length - suffix.Length);
                        break;
                    }
                }
                // The name is a stranger's (a wildcard found the file): it must name one folder inside the root.
                string root = Path.GetFullPath(OutputRoot).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                string output = Path.GetFullPath(Path.Combine(root, name));
                if (name.Length == 0 || name == "." || name == ".." || name.IndexOfAny(new[] { '/', '\\' }) >= 0
                    || !string.Equals(Path.GetDirectoryName(output), root, StringComparison.Ordinal))
                {
                    Log.LogError(null, "MMF0100", null, manifest, 0, 0, 0, 0,
                        "the manifest's file name \"{0}\" does not make a folder name under {1}: rename the file", name, OutputRoot);
                    continue;
                }
                var arguments = new List<string> { "exec", "--roll-forward", "Major", ToolPath, "hls", manifest, "-o", output };
                arguments.AddRange(Arguments);
                if (!Run(arguments, manifest))
                {
                    return false;
                }
            }
            return !Log.HasLoggedErrors;
        }

        private bool Run(List<string> arguments, string manifest)
        {
            var start = new ProcessStartInfo(DotnetHost, CommandLine.Join(arguments))
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            Log.LogMessage(MessageImportance.Low, "MatMulFreeHls: {0} {1}", DotnetHost, start.Arguments);
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Log.LogMessage(MessageImportance.Low, stdout);
            if (process.ExitCode != 0)
            {
                Log.LogError(null, "MMF0100", null, manifest, 0, 0, 0, 0, "mmf hls failed (exit code {0}): {1}", process.ExitCode, stderr.Result.Trim());
                return false;
            }
            return true;
        }
    }
}
