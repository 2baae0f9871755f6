using System.Collections.Immutable;
using System.Linq;
using MatMulFree.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MatMulFree.Generator
{
    /// <summary>
    /// The incremental pipeline: [MatMulFreeModel] classes and the manifests they
    /// name are parsed into equatable models (<see cref="Parser"/>), each manifest's model
    /// planned per layer by the compiler's planner, and written out (<see cref="Emitter"/>).
    /// Source and diagnostics leave on separate branches.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class ModelGenerator : IIncrementalGenerator
    {
        public const string AttributeName = "MatMulFree.Runtime.MatMulFreeModelAttribute";

        /// <summary>Names of the tracked pipeline steps (tests assert their caching).</summary>
        public static class TrackingNames
        {
            public const string Targets = nameof(Targets);
            public const string Identities = nameof(Identities);
            public const string ManifestPaths = nameof(ManifestPaths);
            public const string Manifests = nameof(Manifests);
            public const string Options = nameof(Options);
            public const string BuildTargets = nameof(BuildTargets);
            public const string ManifestFiles = nameof(ManifestFiles);
            public const string Plans = nameof(Plans);
            public const string Specs = nameof(Specs);
            public const string Diagnostics = nameof(Diagnostics);
        }

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var targets = context.SyntaxProvider
                .ForAttributeWithMetadataName(AttributeName,
                    static (node, _) => node is TypeDeclarationSyntax,
                    static (ctx, ct) => Parser.ParseTarget(ctx, ct))
                .WithTrackingName(TrackingNames.Targets);

            var identities = targets
                .Select(static (t, _) => t.Identity)
                .WithTrackingName(TrackingNames.Identities);

            // Only the manifests of targets that can be generated are read and planned (the others get
            // their diagnostic without one).
            var manifestPaths = identities
                .Where(static t => t.IsPartial && t.Unsupported == null)
                .Select(static (t, _) => t.ManifestPath)
                .Collect()
                .Select(static (paths, _) => paths.Where(p => p.Length > 0).Distinct().OrderBy(p => p, System.StringComparer.Ordinal).ToEquatableArray())
                .WithTrackingName(TrackingNames.ManifestPaths);

            var manifests = context.AdditionalTextsProvider
                .Combine(manifestPaths)
                .Where(static pair => Parser.IsReferenced(pair.Left.Path, pair.Right))
                .Select(static (pair, ct) => Parser.ParseManifest(pair.Left, ct))
                .WithTrackingName(TrackingNames.Manifests);

            var options = context.AnalyzerConfigOptionsProvider
                .Select(static (provider, _) => Parser.ParseOptions(provider.GlobalOptions))
                .WithTrackingName(TrackingNames.Options);

            var buildTargets = context.AnalyzerConfigOptionsProvider
                .Select(static (provider, _) => Parser.ParseBuildTargets(provider.GlobalOptions))
                .WithTrackingName(TrackingNames.BuildTargets);

            var manifestList = manifests.Collect();

            // One plan per manifest, keyed by its text and the options: editing one manifest re-plans only its model.
            var plans = manifests
                .Combine(options)
                .Select(static (input, ct) => Parser.PlanManifest(input.Left, input.Right, ct))
                .WithTrackingName(TrackingNames.Plans);

            var specs = identities
                .Combine(plans.Collect())
                .Select(static (input, _) => Parser.CreateSpec(input.Left, input.Right))
                .WithTrackingName(TrackingNames.Specs);

            context.RegisterSourceOutput(specs, static (spc, spec) => Emitter.AddSource(spc, spec));

            // Every manifest among the AdditionalFiles, by path: MMF0001 names them.
            var manifestFiles = context.AdditionalTextsProvider
                .Select(static (file, _) => file.Path)
                .Where(static path => path.EndsWith(".mmf.json", System.StringComparison.OrdinalIgnoreCase))
                .Collect()
                .Select(static (paths, _) => paths.OrderBy(p => p, System.StringComparer.Ordinal).ToEquatableArray())
                .WithTrackingName(TrackingNames.ManifestFiles);

            var diagnostics = targets.Collect()
                .Combine(manifestList)
                .Combine(options)
                .Combine(specs.Collect())
                .Combine(manifestFiles.Combine(buildTargets))
                .Select(static (input, _) => Parser.CollectDiagnostics(input.Left.Left.Left.Left, input.Left.Left.Left.Right, input.Left.Left.Right, input.Left.Right,
                    input.Right.Left, input.Right.Right))
                .WithTrackingName(TrackingNames.Diagnostics);

            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (var d in list)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ById(d.Id), d.Location?.ToLocation(), d.Arguments.Cast<object>().ToArray()));
                }
            });
        }
    }
}
