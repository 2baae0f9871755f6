namespace MatMulFree.Model.Numerics
{
    /// <summary>
    /// The MLGRU forget-gate lower bounds of docs/model.md, derived once from the
    /// checkpoint parameter P[L, H]: per channel, S = softmax over layers,
    /// lb = cumsum(S) - S[0]. Order of operations: docs/numerics.md.
    /// </summary>
    public static class LowerBounds
    {
        /// <summary>Returns lb[L, H] row-major; row 0 is all zeros.</summary>
        public static float[] Derive(float[] parameters, int layers, int hidden)
        {
            var lb = new float[layers * hidden];
            var e = new float[layers];
            for (int k = 0; k < hidden; k++)
            {
                float max = parameters[k];
                for (int l = 1; l < layers; l++)
                {
                    float v = parameters[l * hidden + k];
                    if (v > max)
                    {
                        max = v;
                    }
                }
                float sum = 0f;
                for (int l = 0; l < layers; l++)
                {
                    e[l] = PortableMath.Exp(parameters[l * hidden + k] - max);
                    sum += e[l];
                }
                float first = e[0] / sum;
                float cumulative = 0f;
                for (int l = 0; l < layers; l++)
                {
                    cumulative += e[l] / sum;
                    lb[l * hidden + k] = cumulative - first;
                }
            }
            return lb;
        }
    }
}
