using MatMulFree.Runtime;

namespace TextGenerator;

/// <summary>The committed sample manifest, compiled into this class at build time.</summary>
[MatMulFreeModel("models/sample-l4-h128.mmf.json")]
public partial class SampleModel;
