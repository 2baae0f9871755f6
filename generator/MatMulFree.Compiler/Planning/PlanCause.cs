namespace MatMulFree.Compiler.Planning
{
    /// <summary>Who decided a layer's form, in the planner's order of precedence (<see cref="ModelPlan"/>).</summary>
    public enum PlanCause
    {
        /// <summary>The layer's weights are in an external weights file: the target's data form.</summary>
        WeightsFile,
        /// <summary>The target was asked for this layer's form by name (HLS <c>--form</c> per layer).</summary>
        Layer,
        /// <summary>The manifest's "kernels" entry for the layer.</summary>
        Manifest,
        /// <summary>The target's one form for every layer (MatMulFreeKernel, <c>mmf hls --form</c>).</summary>
        Target,
        /// <summary>The target's cost model (auto).</summary>
        CostModel,
    }
}
