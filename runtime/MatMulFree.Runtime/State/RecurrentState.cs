using System;
using MatMulFree.Model;

namespace MatMulFree.Runtime
{
    /// <summary>
    /// Everything one sequence carries between token steps: one H-vector of MLGRU
    /// hidden state per layer (no KV cache, so its size never grows), the step
    /// count, and scratch buffers sized once for the model so that a step
    /// allocates nothing.
    /// </summary>
    public sealed class RecurrentState
    {
        private readonly float[][] _hidden;

        public RecurrentState(Architecture architecture)
        {
            Architecture = architecture;
            _hidden = new float[architecture.Layers][];
            for (int l = 0; l < _hidden.Length; l++)
            {
                _hidden[l] = new float[architecture.Hidden];
            }
            Scratch = new StepScratch(architecture);
        }

        public Architecture Architecture { get; }

        /// <summary>How many tokens this state has consumed since it was created or reset.</summary>
        public long Position { get; internal set; }

        /// <summary>The MLGRU state h of layer <paramref name="layer"/>.</summary>
        public Span<float> Hidden(int layer) => _hidden[layer];

        /// <summary>Buffers a token step may overwrite freely.</summary>
        public StepScratch Scratch { get; }

        /// <summary>Threads for the large packed layers of a generated model stepping this state
        /// (<see cref="StepScratch.Workers"/>); the caller owns and disposes the pool.</summary>
        public Kernels.RowWorkers? Workers
        {
            get => Scratch.Workers;
            set => Scratch.Workers = value;
        }

        /// <summary>Back to the start of a sequence: h = 0 in every layer.</summary>
        public void Reset()
        {
            foreach (var h in _hidden)
            {
                Array.Clear(h);
            }
            Position = 0;
        }

        /// <summary>Advances <see cref="Position"/>; called by models after each step.</summary>
        public void Advance() => Position++;

        /// <summary>Approximate bytes held, constant for the life of the state.</summary>
        public long SizeInBytes => (long)Architecture.Layers * Architecture.Hidden * sizeof(float) + Scratch.SizeInBytes;
    }
}
