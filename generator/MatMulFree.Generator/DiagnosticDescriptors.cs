using System.Collections.Generic;
using MatMulFree.Model.Manifest;
using Microsoft.CodeAnalysis;

namespace MatMulFree.Generator
{
    /// <summary>Every diagnostic the generator reports; each is documented in docs/diagnostics.md.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "MatMulFree";
        /// <summary>The page of every diagnostic, as it ships in the package (docs/diagnostics.md beside the
        /// analyzers) and stands in the repository: a relative link, each diagnostic an anchor of its id.</summary>
        public const string HelpBase = "docs/diagnostics.md#";

        private static DiagnosticDescriptor Error(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

        private static DiagnosticDescriptor Info(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

        private static DiagnosticDescriptor Warning(string id, string title, string message) =>
            new DiagnosticDescriptor(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());

        public static readonly DiagnosticDescriptor ManifestNotFound = Error("MMF0001",
            "Manifest not found", "No AdditionalFiles item matches the manifest path '{0}': add it as <MatMulFreeModel Include=\"{0}\" /> (or <AdditionalFiles Include=\"{0}\" />); the manifests among the AdditionalFiles: {1}");

        // One descriptor per manifest validation error of the model assembly, located in the manifest.
        public static readonly DiagnosticDescriptor InvalidJson = Error("MMF0002", "Manifest is not valid JSON", "{0}");
        public static readonly DiagnosticDescriptor UnsupportedFormat = Error("MMF0003", "Unsupported manifest format or version", "{0}");
        public static readonly DiagnosticDescriptor MissingProperty = Error("MMF0004", "Manifest property missing", "{0}");
        public static readonly DiagnosticDescriptor UnexpectedProperty = Error("MMF0005", "Unexpected manifest property", "{0}");
        public static readonly DiagnosticDescriptor WrongType = Error("MMF0006", "Manifest value of the wrong type", "{0}");
        public static readonly DiagnosticDescriptor InvalidValue = Error("MMF0007", "Manifest value out of range", "{0}");
        public static readonly DiagnosticDescriptor TooLarge = Error("MMF0008", "Manifest sizes too large", "{0}");
        public static readonly DiagnosticDescriptor MissingTensor = Error("MMF0009", "Tensor missing", "{0}");
        public static readonly DiagnosticDescriptor UnexpectedTensor = Error("MMF0010", "Unexpected tensor", "{0}");
        public static readonly DiagnosticDescriptor WrongShape = Error("MMF0011", "Tensor shape does not fit the architecture", "{0}");
        public static readonly DiagnosticDescriptor InvalidDtype = Error("MMF0012", "Tensor dtype not allowed", "{0}");
        public static readonly DiagnosticDescriptor InvalidBase64 = Error("MMF0013", "Tensor data is not base64", "{0}");
        public static readonly DiagnosticDescriptor WrongDataLength = Error("MMF0014", "Tensor data length does not fit its shape", "{0}");
        public static readonly DiagnosticDescriptor InvalidTrit = Error("MMF0015", "Invalid trit code", "{0}");
        public static readonly DiagnosticDescriptor InvalidScale = Error("MMF0016", "Invalid ternary scale (beta)", "{0}");
        public static readonly DiagnosticDescriptor NonFiniteValue = Error("MMF0017", "Non-finite value in a tensor", "{0}");
        public static readonly DiagnosticDescriptor IntegrityMismatch = Error("MMF0018", "Manifest integrity check failed", "{0}");

        public static readonly DiagnosticDescriptor NotPartial = Error("MMF0020",
            "Model class must be partial", "The class '{0}' has [MatMulFreeModel] but is not declared partial");
        public static readonly DiagnosticDescriptor UnsupportedTarget = Error("MMF0021",
            "Model class shape not supported", "The class '{0}' cannot hold a generated model: {1}");
        public static readonly DiagnosticDescriptor DuplicateManifest = Warning("MMF0022",
            "Manifest compiled twice", "The manifest '{0}' is also compiled into '{1}': each class adds the model's code to the assembly (their data is shared); use one class");
        public static readonly DiagnosticDescriptor TooLargeToUnroll = Error("MMF0023",
            "Model too large to unroll", "Model '{0}' needs {1} unrolled terms, more than MatMulFreeUnrollLimit ({2}): let large layers use the packed kernel (<MatMulFreeKernel>auto</MatMulFreeKernel>, the default, or packed), or raise <MatMulFreeUnrollLimit> to unroll anyway (compile time and memory grow with it)");
        public static readonly DiagnosticDescriptor EmptyManifestPath = Error("MMF0024",
            "Manifest path missing", "[MatMulFreeModel] needs the path of a manifest, e.g. [MatMulFreeModel(\"models/tiny.mmf.json\")]");
        public static readonly DiagnosticDescriptor InvalidOption = Warning("MMF0025",
            "Invalid MatMulFree build property", "The build property {0} = '{1}' is not valid ({2}); the default {3} is used");
        public static readonly DiagnosticDescriptor WeightsFile = Error("MMF0026", "External weights file not usable", "{0}");
        public static readonly DiagnosticDescriptor TooLargeToGenerate = Error("MMF0027",
            "Model too large to compile into source", "Model '{0}' would be about {1} characters of C#, more than MatMulFreeSourceLimit ({2}): keep its weights and embeddings in an external weights file (mmf convert --weights external), which the generated code reads instead of carrying them as constants, or raise <MatMulFreeSourceLimit> (compile time and memory grow with it; docs/generator.md)");

        public static readonly DiagnosticDescriptor NoBuildTargets = Error("MMF0028",
            "MatMulFree build targets missing", "The model '{0}' reads its weights and norms from a data resource that the MatMulFree build targets embed, and this build does not import them: reference the MatMulFree package (its buildTransitive targets do), or import MatMulFree.props and MatMulFree.targets (docs/generator.md)");
        public static readonly DiagnosticDescriptor DataResourceMissing = Error("MMF0029",
            "Model data not embedded", "The build embeds no data resource '{1}' for the model '{0}' (it embeds: {2}): give the manifest '{3}' as a <MatMulFreeModel> item or an AdditionalFiles item named *.mmf.json, which the build targets write the data of; if it is one, the build task and this generator come from different versions of MatMulFree, or a build server still runs an old one ('dotnet build-server shutdown', then build again)");
        public static readonly DiagnosticDescriptor ModelForms = Info("MMF0030",
            "What was generated", "Model '{0}' ({1}): {2}");

        public static DiagnosticDescriptor ForManifestError(ManifestErrorKind kind) => ByKind[kind];

        private static readonly Dictionary<ManifestErrorKind, DiagnosticDescriptor> ByKind = new Dictionary<ManifestErrorKind, DiagnosticDescriptor>
        {
            [ManifestErrorKind.InvalidJson] = InvalidJson,
            [ManifestErrorKind.UnsupportedFormat] = UnsupportedFormat,
            [ManifestErrorKind.MissingProperty] = MissingProperty,
            [ManifestErrorKind.UnexpectedProperty] = UnexpectedProperty,
            [ManifestErrorKind.WrongType] = WrongType,
            [ManifestErrorKind.InvalidValue] = InvalidValue,
            [ManifestErrorKind.TooLarge] = TooLarge,
            [ManifestErrorKind.MissingTensor] = MissingTensor,
            [ManifestErrorKind.UnexpectedTensor] = UnexpectedTensor,
            [ManifestErrorKind.WrongShape] = WrongShape,
            [ManifestErrorKind.InvalidDtype] = InvalidDtype,
            [ManifestErrorKind.InvalidBase64] = InvalidBase64,
            [ManifestErrorKind.WrongDataLength] = WrongDataLength,
            [ManifestErrorKind.InvalidTrit] = InvalidTrit,
            [ManifestErrorKind.InvalidScale] = InvalidScale,
            [ManifestErrorKind.NonFiniteValue] = NonFiniteValue,
            [ManifestErrorKind.IntegrityMismatch] = IntegrityMismatch,
            [ManifestErrorKind.WeightsFile] = WeightsFile,
        };

        public static readonly IReadOnlyList<DiagnosticDescriptor> All = new List<DiagnosticDescriptor>(ByKind.Values)
        {
            ManifestNotFound, NotPartial, UnsupportedTarget, DuplicateManifest, TooLargeToUnroll, EmptyManifestPath, InvalidOption, TooLargeToGenerate,
            NoBuildTargets, DataResourceMissing, ModelForms,
        };

        public static DiagnosticDescriptor ById(string id)
        {
            foreach (var d in All)
            {
                if (d.Id == id)
                {
                    return d;
                }
            }
            return ManifestNotFound;
        }
    }
}
