using System;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// Asks the MatMulFree source generator to compile a model manifest into this
    /// class at build time: <c>[MatMulFreeModel("models/tiny.mmf.json")] public partial class TinyModel;</c>.
    /// The class must be a top-level, non-static, non-generic partial class; the
    /// generator makes it implement <see cref="IMatMulFreeModel"/>. The manifest must
    /// be in the project as <c>&lt;MatMulFreeModel Include="..."/&gt;</c> (or as an
    /// AdditionalFiles item); the path is matched against the end of the item's path.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class MatMulFreeModelAttribute : Attribute
    {
        public MatMulFreeModelAttribute(string manifestPath) => ManifestPath = manifestPath;

        public string ManifestPath { get; }
    }
}
