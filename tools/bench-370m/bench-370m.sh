#!/usr/bin/env bash
# Every 370M-model figure of docs/performance.md and docs/performance-history.md ("The 370M-shaped model"), in one run:
# a random Hugging Face checkpoint with the exact MMfreeLM-370M shapes (PyTorch reference),
# `mmf convert` (time and peak memory), `mmf bench` (decode and prefill tokens/s, peak
# memory), `mmf generate` (peak memory), and the model compiled in by the source
# generator with its weights file embedded, run under the JIT and as NativeAOT
# executables for x86-64-v2 (the package's default), x86-64-v3 and, with AVX-512, x86-64-v4.
# With the JIT build, every BitLinear of the first block and the LM head, generated against the
# generic runtime, at the 370M shapes and at those of a 2-block model with the 1.3B checkpoint's shapes
# (a table, and a chart per shape in WORK_DIR/generated-layers.svg).
#   tools/bench-370m/bench-370m.sh [WORK_DIR]      (default /tmp/m370; needs python3-torch)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/m370}"
mkdir -p "$work"
mmf="dotnet $root/runtime/MatMulFree.Cli/bin/Release/net10.0/mmf.dll"
dotnet build "$root/runtime/MatMulFree.Cli" -c Release -v q -nologo > /dev/null

if [ ! -f "$work/hf/config.json" ]; then
    /usr/bin/python3 "$root/tools/reference/reference.py" hf-checkpoint --layers 24 --hidden 1024 --intermediate 2816 \
        --vocab 32000 --dtype bf16 --shards 2 --seed 370 --out "$work/hf"
fi
manifest="$work/mmfreelm-370m-random.mmf.json"
echo "== mmf convert"
/usr/bin/time -f "convert: %e s, peak %M KiB" $mmf convert "$work/hf" -o "$manifest" --name mmfreelm-370m-random 2>&1 | grep -v '^converting'
echo "== mmf bench"
$mmf bench --model "$manifest" --shapes none --model-kernels packed --model-time-ms 10000
echo "== mmf generate"
/usr/bin/time -f "generate: peak %M KiB" $mmf generate "$manifest" --prompt "Hello world" --max-tokens 64 > /dev/null

# Two blocks with the exact shapes of MMfreeLM-1.3B: the generated per-layer table at those shapes.
if [ ! -f "$work/hf13/config.json" ]; then
    /usr/bin/python3 "$root/tools/reference/reference.py" hf-checkpoint --layers 2 --hidden 2048 --intermediate 5632 \
        --vocab 32000 --dtype bf16 --seed 13 --out "$work/hf13"
fi
layers13="$work/layers-1.3b-random.mmf.json"
$mmf convert "$work/hf13" -o "$layers13" --name layers-1.3b-random > /dev/null

echo "== generated model"
app="$(mktemp -d)"
cp "$manifest" "$work/mmfreelm-370m-random.mmfw" "$layers13" "$work/layers-1.3b-random.mmfw" "$root/tools/bench-370m/Program.cs" "$app/"
cat > "$app/Bench370M.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <AssemblyName>bench370m</AssemblyName><InvariantGlobalization>true</InvariantGlobalization>
    <!-- Embedded in the JIT build too (a build would copy it beside the application), as the NativeAOT
         executables have it: the figures measure reading it from the assembly image. -->
    <MatMulFreeEmbedWeights>true</MatMulFreeEmbedWeights></PropertyGroup>
  <Import Project="$root/package/MatMulFree/build/MatMulFree.props" />
  <ItemGroup>
    <ProjectReference Include="$root/runtime/MatMulFree.Runtime/MatMulFree.Runtime.csproj" />
    <ProjectReference Include="$root/generator/MatMulFree.Generator/MatMulFree.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$root/generator/MatMulFree.Compiler/MatMulFree.Compiler.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$root/generator/MatMulFree.Model/MatMulFree.Model.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$root/generator/MatMulFree.Compiler/MatMulFree.Compiler.csproj" />
    <MatMulFreeModel Include="mmfreelm-370m-random.mmf.json" />
    <MatMulFreeModel Include="layers-1.3b-random.mmf.json" />
    <Compile Include="$root/samples/GeneratedBench/LayerBench.cs" />
    <Compile Include="$root/samples/GeneratedBench/ShapeChart.cs" />
    <ProjectReference Include="$root/runtime/MatMulFree.Benchmarking/MatMulFree.Benchmarking.csproj" />
  </ItemGroup>
  <Import Project="$root/package/MatMulFree/build/MatMulFree.targets" />
</Project>
PROJ
/usr/bin/time -f "build: %e s, peak %M KiB" dotnet build "$app" -c Release -v q -nologo -p:UseSharedCompilation=false > /dev/null
echo "-- JIT"
dotnet "$app/bin/Release/net10.0/bench370m.dll" --layers "$manifest" "$layers13" "$work/generated-layers.svg"
echo "chart of the per-layer table: $work/generated-layers.svg"
isas=(x86-64-v2 x86-64-v3)   # v2: what the package targets choose when the project sets none
if grep -q avx512bw /proc/cpuinfo; then isas+=(x86-64-v4); fi
for isa in "${isas[@]}"; do
    echo "-- NativeAOT $isa"
    out="$app/aot-$isa"
    /usr/bin/time -f "publish: %e s" dotnet publish "$app" -c Release -r linux-x64 -p:PublishAot=true -p:IlcInstructionSet=$isa -o "$out" -v q -nologo > /dev/null
    ls -l "$out/bench370m" | awk '{print "executable: " $5 " bytes"}'
    (cd "$(mktemp -d)" && "$out/bench370m")
done
