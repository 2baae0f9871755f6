using MatMulFree.Runtime;

namespace TextGenerator;

/// <summary>The trained English sample (samples/models/brown-l4-h128, see its model card), compiled into this class at build time.</summary>
[MatMulFreeModel("models/brown-l4-h128.mmf.json")]
public partial class SampleModel;
