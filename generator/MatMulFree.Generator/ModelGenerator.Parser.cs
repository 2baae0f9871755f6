using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using MatMulFree.Compiler.Planning;
using MatMulFree.Generator.Model;
using MatMulFree.Model;
using MatMulFree.Model.Manifest;
using MatMulFree.Model.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace MatMulFree.Generator
{
    public sealed partial class ModelGenerator
    {
        /// <summary>Syntax, additional files and build properties -> equatable models and diagnostics.</summary>
        internal static class Parser
        {
            public const string UnrollLimitProperty = "MatMulFreeUnrollLimit";
            public const string KernelProperty = "MatMulFreeKernel";
            public const string SourceLimitProperty = "MatMulFreeSourceLimit";

            public static ModelTarget ParseTarget(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
            {
                var symbol = (INamedTypeSymbol)ctx.TargetSymbol;
                var node = (TypeDeclarationSyntax)ctx.TargetNode;
                var attribute = ctx.Attributes[0];
                string path = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string s ? s.Trim() : "";
                string? unsupported = null;
                if (node is RecordDeclarationSyntax)
                {
                    unsupported = "records are not supported, use a plain class";
                }
                else if (symbol.IsStatic)
                {
                    unsupported = "a static class cannot implement IMatMulFreeModel; remove 'static'";
                }
                else if (symbol.IsGenericType)
                {
                    unsupported = "generic classes are not supported";
                }
                else if (symbol.ContainingType != null)
                {
                    unsupported = "nested classes are not supported; declare it directly in a namespace";
                }
                bool isPartial = node.Modifiers.Any(SyntaxKind.PartialKeyword);
                string ns = symbol.ContainingNamespace == null || symbol.ContainingNamespace.IsGlobalNamespace
                    ? ""
                    : symbol.ContainingNamespace.ToDisplayString();
                var identity = new TargetIdentity(ns, symbol.Name, path, unsupported, isPartial);
                var attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(ct).GetLocation());
                return new ModelTarget(identity, LocationInfo.From(node.Identifier.GetLocation()), attributeLocation);
            }

            /// <summary>Forward slashes, no leading "./".</summary>
            public static string NormalizePath(string path)
            {
                string p = path.Replace('\\', '/');
                while (p.StartsWith("./", StringComparison.Ordinal))
                {
                    p = p.Substring(2);
                }
                return p;
            }

            /// <summary>Does an additional file's path end with the manifest path (on a path boundary)?</summary>
            public static bool Matches(string filePath, string manifestPath)
            {
                string file = NormalizePath(filePath);
                string wanted = NormalizePath(manifestPath);
                if (wanted.Length == 0)
                {
                    return false;
                }
                return string.Equals(file, wanted, StringComparison.OrdinalIgnoreCase)
                    || file.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase);
            }

            public static bool IsReferenced(string filePath, EquatableArray<string> manifestPaths)
            {
                foreach (var p in manifestPaths)
                {
                    if (Matches(filePath, p))
                    {
                        return true;
                    }
                }
                return false;
            }

            public static ParsedManifest ParseManifest(AdditionalText file, CancellationToken ct)
            {
                var text = file.GetText(ct);
                if (text == null)
                {
                    var nowhere = new LocationInfo(file.Path, default, default);
                    var unreadable = new ManifestDiagnostic(DiagnosticDescriptors.InvalidJson.Id, $"{file.Path}: the manifest could not be read", nowhere);
                    return new ParsedManifest(file.Path, "", new[] { unreadable }.ToEquatableArray(), null);
                }
                var whole = new LocationInfo(file.Path, default, default);
                if (text.Length > ManifestLimits.MaxManifestBytes)
                {
                    // The same bound as every other reader: nothing of a larger text is parsed.
                    var tooLarge = new ManifestDiagnostic(DiagnosticDescriptors.ForManifestError(ManifestErrorKind.TooLarge).Id,
                        $"the manifest has {text.Length:N0} characters, more than the {ManifestLimits.MaxManifestBytes:N0} bytes a manifest may have (big models keep their tensors in an external weights file)", whole);
                    return new ParsedManifest(file.Path, "", new[] { tooLarge }.ToEquatableArray(), null);
                }
                if (text.Encoding != null && !(text.Encoding is UTF8Encoding))
                {
                    // The compiler decodes UTF-8 strictly and falls back to another encoding when that fails
                    // (or follows a UTF-16 byte order mark): the manifest was not UTF-8, which the CLI refuses too.
                    var notUtf8 = new ManifestDiagnostic(DiagnosticDescriptors.InvalidJson.Id,
                        $"the manifest is not UTF-8 text (read as {text.Encoding.WebName}); a manifest must be UTF-8", whole);
                    return new ParsedManifest(file.Path, "", new[] { notUtf8 }.ToEquatableArray(), null);
                }
                string content = text.ToString();
                string digest = TextDigest(content);
                ManifestReadResult result;
                try
                {
                    // A weights file is validated as a reference, not read: the generated code loads it.
                    result = ManifestReader.Read(content, DeferWeightsFile.Instance);
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    // The reader does not throw on bad input; this is a bug, reported rather than thrown.
                    var at = new LocationInfo(file.Path, default, default);
                    var bug = new ManifestDiagnostic(DiagnosticDescriptors.InvalidJson.Id, "internal error reading the manifest: " + e.Message, at);
                    return new ParsedManifest(file.Path, digest, new[] { bug }.ToEquatableArray(), null);
                }
                var errors = new List<ManifestDiagnostic>();
                foreach (var error in result.Errors)
                {
                    int start = Math.Min(Math.Max(0, error.Span.Start), text.Length);
                    int length = Math.Min(Math.Max(0, error.Span.Length), text.Length - start);
                    var span = new TextSpan(start, length);
                    var location = new LocationInfo(file.Path, span, text.Lines.GetLinePositionSpan(span));
                    // One bounded line of inert text: a key cannot forge another diagnostic line in the build output.
                    string message = DisplayText.Of(error.Message, ManifestError.MaxShown)
                        + (error.JsonPointer.Length > 0 ? $" (at {DisplayText.Of(error.JsonPointer, 200)})" : "");
                    errors.Add(new ManifestDiagnostic(DiagnosticDescriptors.ForManifestError(error.Kind).Id, message, location));
                }
                return new ParsedManifest(file.Path, digest, errors.ToEquatableArray(), result.Model);
            }

            private static string TextDigest(string content)
            {
                using var sha = SHA256.Create();
                var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(content));
                var sb = new StringBuilder(64);
                foreach (var b in hash)
                {
                    sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
                return sb.ToString();
            }

            public const string BuildTargetsProperty = "MatMulFreeBuildTargets";
            public const string DataResourcesProperty = "MatMulFreeDataResources";

            public static BuildTargets ParseBuildTargets(AnalyzerConfigOptions options)
            {
                bool imported = options.TryGetValue("build_property." + BuildTargetsProperty, out var value) && value.Trim() == "true";
                // Empty when the MatMulFreeData target has not run (a design-time build); "none" when it embedded nothing.
                string list = options.TryGetValue("build_property." + DataResourcesProperty, out var raw) && raw != null ? raw.Trim() : "";
                var resources = list.Split(',').Select(n => n.Trim()).Where(n => n.Length > 0).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();
                return new BuildTargets(imported, list.Length > 0, resources);
            }

            /// <summary>MMF0030's message: how many layers got each form, who decided, and how to change it.</summary>
            public static string FormsSummary(ModelPlan plan)
            {
                int unrolled = plan.Layers.Count(l => l.Form == ProductForm.Unrolled);
                int packed = plan.Layers.Count - unrolled;
                var causes = new List<string>();
                void Cause(PlanCause cause, string what)
                {
                    int n = plan.Layers.Count(l => l.Cause == cause);
                    if (n > 0)
                    {
                        causes.Add($"{n} {what}");
                    }
                }
                Cause(PlanCause.CostModel, $"by size (auto unrolls a layer of at most {CSharpTarget.AutoUnrolledMaxWeights:N0} weights, or {CSharpTarget.AutoUnrolledMaxNarrowWeights:N0} with fewer than {CSharpTarget.NarrowInputColumns} inputs, where unrolled code measured faster; larger layers run faster on the packed kernel)");
                Cause(PlanCause.Target, "by MatMulFreeKernel");
                Cause(PlanCause.Manifest, "by the manifest's \"kernels\"");
                Cause(PlanCause.Layer, "by name");
                Cause(PlanCause.WeightsFile, "because their weights are in the external weights file (unrolled code needs them at compile time)");
                int batchUnrolled = plan.Layers.Count(l => l.BatchUnrolled);
                string batches = unrolled == 0
                    ? "all on the token-parallel product"
                    : $"{batchUnrolled} unrolled over vectors of tokens, {unrolled - batchUnrolled} unrolled token by token, {packed} on the token-parallel product";
                return string.Format(CultureInfo.InvariantCulture,
                    "{0} BitLinear layers, {1} unrolled into add/subtract code and {2} on the packed kernel: {3}. For batches (prefill, sessions stepping together): {4}. " +
                    "Each layer's remarks in the generated code say why; " +
                    "MatMulFreeKernel (auto, unrolled or packed) or the manifest's \"kernels\" changes it (docs/generator.md, \"Two forms per BitLinear\").",
                    plan.Layers.Count, unrolled, packed, string.Join("; ", causes), batches);
            }

            public static GeneratorOptions ParseOptions(AnalyzerConfigOptions options)
            {
                DiagnosticInfo? problem = null;
                long limit = GeneratorOptions.DefaultUnrollLimit;
                if (options.TryGetValue("build_property." + UnrollLimitProperty, out var raw) && !string.IsNullOrWhiteSpace(raw))
                {
                    if (long.TryParse(raw.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long parsed) && parsed > 0)
                    {
                        limit = parsed;
                    }
                    else
                    {
                        problem = DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, null, UnrollLimitProperty, raw,
                            "a positive whole number of terms is expected", GeneratorOptions.DefaultUnrollLimit.ToString(CultureInfo.InvariantCulture));
                    }
                }
                ProductForm? kernel = null;
                if (options.TryGetValue("build_property." + KernelProperty, out var form) && !string.IsNullOrWhiteSpace(form))
                {
                    switch (form.Trim().ToLowerInvariant())
                    {
                        case "auto": kernel = null; break;
                        case "unrolled": kernel = ProductForm.Unrolled; break;
                        case "packed": kernel = ProductForm.Packed; break;
                        default:
                            problem ??= DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, null, KernelProperty, form, "auto, unrolled or packed is expected", "auto");
                            break;
                    }
                }
                long sourceLimit = GeneratorOptions.DefaultSourceLimit;
                if (options.TryGetValue("build_property." + SourceLimitProperty, out var rawSource) && !string.IsNullOrWhiteSpace(rawSource))
                {
                    if (long.TryParse(rawSource.Trim(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out long parsed) && parsed > 0)
                    {
                        sourceLimit = parsed;
                    }
                    else
                    {
                        problem ??= DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, null, SourceLimitProperty, rawSource,
                            "a positive whole number of characters is expected", GeneratorOptions.DefaultSourceLimit.ToString(CultureInfo.InvariantCulture));
                    }
                }
                return new GeneratorOptions(limit, kernel, problem, sourceLimit);
            }

            /// <summary>The manifest a target names, if it is among the additional files.</summary>
            public static ParsedManifest? Find(TargetIdentity target, ImmutableArray<ParsedManifest> manifests)
            {
                string? path = FindPath(target, manifests.Select(m => m.Path));
                return path == null ? null : manifests.First(m => m.Path == path);
            }

            /// <summary>The manifest a target names: of the paths that match it, the first in ordinal order.</summary>
            private static string? FindPath(TargetIdentity target, IEnumerable<string> paths)
            {
                string? found = null;
                foreach (var path in paths)
                {
                    if (Matches(path, target.ManifestPath) && (found == null || string.CompareOrdinal(path, found) < 0))
                    {
                        found = path;
                    }
                }
                return found;
            }

            /// <summary>Plans one manifest's model for C#: a step of its own, keyed by the manifest's text and
            /// the options, so that editing one manifest re-plans only its model.</summary>
            public static ManifestPlan PlanManifest(ParsedManifest manifest, GeneratorOptions options, CancellationToken ct)
            {
                if (manifest.Model == null)
                {
                    return new ManifestPlan(manifest.Path, manifest.TextDigest, options, null, 0, 0, hasModel: false,
                        firstError: manifest.Errors.Count > 0 ? manifest.Errors[0].Id : DiagnosticDescriptors.InvalidJson.Id);
                }
                ModelPlan plan;
                long source;
                bool fits;
                DataResource? data;
                try
                {
                    plan = ModelPlan.Create(manifest.Model, new CSharpTarget(options.Kernel), ct);
                    source = GeneratedSourceSize.Estimate(plan);
                    fits = plan.UnrolledTerms <= options.UnrollLimit && source <= options.SourceLimit;
                    data = fits ? DataResource.Of(manifest.Model) : null;
                }
                catch (Exception e) when (!(e is OperationCanceledException))
                {
                    // The planner does not throw on a valid model; this is a bug, reported rather than thrown.
                    return new ManifestPlan(manifest.Path, manifest.TextDigest, options, null, 0, 0, hasModel: true, problem: e.Message);
                }
                return new ManifestPlan(manifest.Path, manifest.TextDigest, options, fits ? plan : null, plan.UnrolledTerms, source, hasModel: true, data: data);
            }

            /// <summary>Null when nothing can be generated for the target (its problems are reported by <see cref="CollectDiagnostics"/>).</summary>
            private static string FileName(string path)
            {
                string p = NormalizePath(path);
                return p.Substring(p.LastIndexOf('/') + 1);
            }

            /// <summary>The manifests among the AdditionalFiles, for MMF0001: at most five, then how many more.</summary>
            private static string ManifestFileList(EquatableArray<string> paths)
            {
                if (paths.Count == 0)
                {
                    return "none";
                }
                var shown = paths.Take(5).Select(p => "'" + DisplayText.Of(NormalizePath(p), 120) + "'");
                return string.Join(", ", shown) + (paths.Count > 5 ? $" and {paths.Count - 5} more" : "");
            }

            public static GenerationSpec? CreateSpec(TargetIdentity target, ImmutableArray<ManifestPlan> plans)
            {
                if (!target.IsPartial || target.Unsupported != null)
                {
                    // Nothing can be added to the class: its diagnostic stands alone anyway.
                    return null;
                }
                if (target.ManifestPath.Length == 0)
                {
                    return GenerationSpec.Failed(target, DiagnosticDescriptors.EmptyManifestPath.Id);
                }
                string? path = FindPath(target, plans.Select(p => p.Path));
                var plan = path == null ? null : plans.First(p => p.Path == path);
                if (plan == null)
                {
                    return GenerationSpec.Failed(target, DiagnosticDescriptors.ManifestNotFound.Id);
                }
                return plan.HasModel ? new GenerationSpec(target, plan) : GenerationSpec.Failed(target, plan.FirstError ?? DiagnosticDescriptors.InvalidJson.Id);
            }

            public static EquatableArray<DiagnosticInfo> CollectDiagnostics(ImmutableArray<ModelTarget> targets,
                ImmutableArray<ParsedManifest> manifests, GeneratorOptions options, ImmutableArray<GenerationSpec?> specs, EquatableArray<string> manifestFiles,
                BuildTargets build)
            {
                var list = new List<DiagnosticInfo>();
                if (options.Problem != null)
                {
                    list.Add(options.Problem);
                }
                var reported = new HashSet<string>(StringComparer.Ordinal);
                var firstByManifest = new Dictionary<string, ModelTarget>(StringComparer.Ordinal);
                foreach (var t in targets)
                {
                    var id = t.Identity;
                    if (id.Unsupported != null)
                    {
                        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTarget, t.ClassLocation, id.FullName, id.Unsupported));
                        continue;
                    }
                    if (!id.IsPartial)
                    {
                        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, t.ClassLocation, id.FullName));
                        continue;
                    }
                    if (id.ManifestPath.Length == 0)
                    {
                        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyManifestPath, t.AttributeLocation));
                        continue;
                    }
                    var manifest = Find(id, manifests);
                    if (manifest == null)
                    {
                        // Without the build targets, <MatMulFreeModel> items never become additional files: say that, not "add the item".
                        list.Add(build.Imported
                            ? DiagnosticInfo.Create(DiagnosticDescriptors.ManifestNotFound, t.AttributeLocation, id.ManifestPath, ManifestFileList(manifestFiles))
                            : DiagnosticInfo.Create(DiagnosticDescriptors.NoBuildTargets, t.AttributeLocation, id.FullName));
                        continue;
                    }
                    if (firstByManifest.TryGetValue(manifest.Path, out var first))
                    {
                        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateManifest, t.AttributeLocation, id.ManifestPath, first.Identity.FullName));
                    }
                    else
                    {
                        firstByManifest[manifest.Path] = t;
                    }
                    if (reported.Add(manifest.Path))
                    {
                        foreach (var e in manifest.Errors)
                        {
                            list.Add(new DiagnosticInfo(e.Id, e.Location, new[] { e.Message }.ToEquatableArray()));
                        }
                    }
                }
                foreach (var spec in specs)
                {
                    if (spec?.Plan != null)
                    {
                        var target = targets.FirstOrDefault(t => t.Identity.Equals(spec.Target));
                        var data = spec.Manifest!.Data!;
                        if (!build.Imported)
                        {
                            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoBuildTargets, target?.AttributeLocation, spec.Target.FullName));
                        }
                        else if (build.DataWritten && !build.DataResources.Contains(data.Name))
                        {
                            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DataResourceMissing, target?.AttributeLocation, spec.Target.FullName, data.Name,
                                string.Join(", ", build.DataResources.Take(5)), DisplayText.Of(FileName(spec.Manifest.Path), 120)));
                        }
                        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelForms, target?.ClassLocation, spec.Target.FullName,
                            DisplayText.Of(spec.Plan.Model.Name, 80), FormsSummary(spec.Plan)));
                    }
                    if (spec?.Manifest != null && spec.Plan == null)
                    {
                        var target = targets.FirstOrDefault(t => t.Identity.Equals(spec.Target));
                        if (spec.Manifest.Problem != null)
                        {
                            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidJson, target?.AttributeLocation,
                                "internal error planning the model: " + DisplayText.Of(spec.Manifest.Problem)));
                        }
                        else if (spec.UnrolledTerms > spec.Manifest.Options.UnrollLimit)
                        {
                            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLargeToUnroll, target?.AttributeLocation, spec.Target.FullName,
                                spec.UnrolledTerms.ToString("N0", CultureInfo.InvariantCulture), spec.Manifest.Options.UnrollLimit.ToString("N0", CultureInfo.InvariantCulture)));
                        }
                        else
                        {
                            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLargeToGenerate, target?.AttributeLocation, spec.Target.FullName,
                                spec.SourceSize.ToString("N0", CultureInfo.InvariantCulture), spec.Manifest.Options.SourceLimit.ToString("N0", CultureInfo.InvariantCulture)));
                        }
                    }
                }
                return list.ToEquatableArray();
            }
        }
    }
}
