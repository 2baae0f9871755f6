using System;
using MatMulFree.Compiler.Planning;
using MatMulFree.Model;

namespace MatMulFree.Generator.Model
{
    /// <summary>What a [MatMulFreeModel] class asks for, without its place in the source
    /// (so moving the class does not invalidate the cached plan).</summary>
    internal sealed record TargetIdentity(string Namespace, string ClassName, string ManifestPath, string? Unsupported, bool IsPartial)
    {
        public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>A [MatMulFreeModel] class and where its diagnostics go.</summary>
    internal sealed record ModelTarget(TargetIdentity Identity, LocationInfo? ClassLocation, LocationInfo? AttributeLocation);

    /// <summary>A manifest problem located in the manifest file.</summary>
    internal sealed record ManifestDiagnostic(string Id, string Message, LocationInfo Location);

    /// <summary>
    /// One manifest file read by the model assembly. Equality is by path and a
    /// digest of the text: the model is a pure function of the text, so the
    /// (large, not equatable) <see cref="Model"/> is left out of the comparison.
    /// </summary>
    internal sealed class ParsedManifest : IEquatable<ParsedManifest>
    {
        public ParsedManifest(string path, string textDigest, EquatableArray<ManifestDiagnostic> errors, ModelDefinition? model)
        {
            Path = path;
            TextDigest = textDigest;
            Errors = errors;
            Model = model;
        }

        public string Path { get; }
        public string TextDigest { get; }
        public EquatableArray<ManifestDiagnostic> Errors { get; }
        public ModelDefinition? Model { get; }

        public bool Equals(ParsedManifest? other) =>
            other != null && Path == other.Path && TextDigest == other.TextDigest && Errors.Equals(other.Errors);

        public override bool Equals(object? obj) => Equals(obj as ParsedManifest);

        public override int GetHashCode() => Path.GetHashCode() ^ TextDigest.GetHashCode();
    }

    /// <summary>What the MatMulFree build targets tell the generator: that they are imported, whether their
    /// MatMulFreeData target ran (not in a design-time build), and the data resources the build embeds.</summary>
    internal sealed record BuildTargets(bool Imported, bool DataWritten, EquatableArray<string> DataResources);

    /// <summary>Build properties the generator reads (docs/diagnostics.md, MMF0025).</summary>
    internal sealed record GeneratorOptions(long UnrollLimit, ProductForm? Kernel, DiagnosticInfo? Problem, long SourceLimit = GeneratorOptions.DefaultSourceLimit)
    {
        public const long DefaultUnrollLimit = 1_000_000;

        /// <summary>Characters of generated C# a model may become (docs/generator.md, "Size limits").</summary>
        public const long DefaultSourceLimit = 16_000_000;
    }

    /// <summary>
    /// One manifest's model planned for C# with the build's options. Equal when the manifest's
    /// path and text digest, the options and the plan's sizes are: the (large, not equatable)
    /// plan follows from those and is left out of the comparison.
    /// </summary>
    internal sealed class ManifestPlan : IEquatable<ManifestPlan>
    {
        public ManifestPlan(string path, string textDigest, GeneratorOptions options, ModelPlan? plan, long unrolledTerms, long sourceSize, bool hasModel,
            string? problem = null, string? firstError = null, DataResource? data = null)
        {
            Data = data;
            FirstError = firstError;
            Problem = problem;
            Path = path;
            TextDigest = textDigest;
            Options = options;
            Plan = plan;
            UnrolledTerms = unrolledTerms;
            SourceSize = sourceSize;
            HasModel = hasModel;
        }

        public string Path { get; }
        public string TextDigest { get; }
        public GeneratorOptions Options { get; }
        /// <summary>Null when the manifest has errors, or its model is over the unroll limit or the source limit.</summary>
        public ModelPlan? Plan { get; }
        public long UnrolledTerms { get; }
        /// <summary>Characters of C# the plan would become (<see cref="GeneratedSourceSize"/>).</summary>
        public long SourceSize { get; }
        /// <summary>False when the manifest has errors (reported with the manifest's diagnostics).</summary>
        public bool HasModel { get; }
        /// <summary>Set when planning failed (a bug: the planner does not throw on a valid model), for a diagnostic.</summary>
        public string? Problem { get; }
        /// <summary>The id of the manifest's first error when it has no model.</summary>
        public string? FirstError { get; }
        /// <summary>The model's data as the build embeds it (with <see cref="Plan"/>); it follows from the manifest's text.</summary>
        public DataResource? Data { get; }

        public bool Equals(ManifestPlan? other) =>
            other != null && Path == other.Path && TextDigest == other.TextDigest && Options.Equals(other.Options)
            && UnrolledTerms == other.UnrolledTerms && SourceSize == other.SourceSize && HasModel == other.HasModel && Problem == other.Problem && FirstError == other.FirstError;

        public override bool Equals(object? obj) => Equals(obj as ManifestPlan);

        public override int GetHashCode() => Path.GetHashCode() ^ TextDigest.GetHashCode();
    }

    /// <summary>
    /// Everything the emitter needs for one class: the target and its manifest's plan, or, when
    /// there is no model to write, the id of the error that says why (the emitter then writes a
    /// stand-in whose members throw, so that the user sees that error and no other).
    /// </summary>
    internal sealed class GenerationSpec : IEquatable<GenerationSpec>
    {
        public GenerationSpec(TargetIdentity target, ManifestPlan manifest)
        {
            Target = target;
            Manifest = manifest;
        }

        private GenerationSpec(TargetIdentity target, string failure)
        {
            Target = target;
            Failure = failure;
        }

        /// <summary>A target with no manifest or no valid model: <paramref name="failure"/> is the diagnostic's id.</summary>
        public static GenerationSpec Failed(TargetIdentity target, string failure) => new GenerationSpec(target, failure);

        public TargetIdentity Target { get; }
        /// <summary>Null for a <see cref="Failed"/> target.</summary>
        public ManifestPlan? Manifest { get; }
        /// <summary>The diagnostic that stopped the model, for a target with no model to write.</summary>
        public string? Failure { get; }
        public string ManifestPath => Manifest?.Path ?? "";
        /// <summary>Null when nothing is written but the stand-in: no model, or over the unroll or source limit.</summary>
        public ModelPlan? Plan => Manifest?.Plan;
        public long UnrolledTerms => Manifest?.UnrolledTerms ?? 0;
        public long SourceSize => Manifest?.SourceSize ?? 0;

        public bool Equals(GenerationSpec? other) =>
            other != null && Target.Equals(other.Target) && Failure == other.Failure
            && (Manifest == null ? other.Manifest == null : Manifest.Equals(other.Manifest));

        public override bool Equals(object? obj) => Equals(obj as GenerationSpec);

        public override int GetHashCode() => Target.GetHashCode() ^ (Manifest?.GetHashCode() ?? Failure?.GetHashCode() ?? 0);
    }
}
