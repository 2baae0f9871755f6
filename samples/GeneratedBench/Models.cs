using MatMulFree.Runtime;

namespace GeneratedBench;

[MatMulFreeModel("models/micro-l2-h16.mmf.json")]
public partial class Micro;

[MatMulFreeModel("models/tiny-l2-h64.mmf.json")]
public partial class TinyL2;

[MatMulFreeModel("models/tiny-l3-h96.mmf.json")]
public partial class TinyL3;

[MatMulFreeModel("models/sample-l4-h128.mmf.json")]
public partial class Sample;

[MatMulFreeModel("models/brown-l4-h128.mmf.json")]
public partial class Brown;
