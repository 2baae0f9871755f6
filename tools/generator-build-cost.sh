#!/usr/bin/env bash
# Measures what compiling a manifest with the source generator costs: for each
# manifest, a throwaway console project that compiles it is built twice (the first
# build warms up restore and the referenced projects); the second, with the
# compiler in-process (UseSharedCompilation=false), is timed, and its peak resident
# memory is the compiler's. Prints a markdown table.
#   tools/generator-build-cost.sh samples/models/sample-l4-h128.mmf.json [more.mmf.json ...]
# KERNEL=auto|unrolled|packed chooses MatMulFreeKernel (default unrolled: the worst case).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet build "$root/runtime/MatMulFree.Cli" -c Release -v q -nologo > /dev/null
echo "| manifest | unrolled terms | additions (plain -> shared) | compile wall time | compiler peak RSS | generated source |"
echo "|---|---|---|---|---|---|"
for manifest in "$@"; do
    manifest="$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")"
    work="$(mktemp -d)"
    cp "$manifest" "$work/model.mmf.json"
    cat > "$work/Cost.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles><MatMulFreeUnrollLimit>100000000</MatMulFreeUnrollLimit><MatMulFreeSourceLimit>1000000000</MatMulFreeSourceLimit><MatMulFreeKernel>${KERNEL:-unrolled}</MatMulFreeKernel></PropertyGroup>
  <Import Project="$root/package/MatMulFree/build/MatMulFree.props" />
  <ItemGroup>
    <ProjectReference Include="$root/runtime/MatMulFree.Runtime/MatMulFree.Runtime.csproj" />
    <ProjectReference Include="$root/generator/MatMulFree.Generator/MatMulFree.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$root/generator/MatMulFree.Compiler/MatMulFree.Compiler.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <ProjectReference Include="$root/generator/MatMulFree.Model/MatMulFree.Model.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
    <MatMulFreeModel Include="model.mmf.json" />
  </ItemGroup>
  <Import Project="$root/package/MatMulFree/build/MatMulFree.targets" />
</Project>
PROJ
    printf 'using MatMulFree.Runtime;\n[MatMulFreeModel("model.mmf.json")]\npublic partial class CostModel;\npublic static class Program { public static void Main() => System.Console.WriteLine(new CostModel().Name); }\n' > "$work/Program.cs"
    dotnet build "$work" -c Release -v q -nologo > /dev/null
    echo "// touch" >> "$work/Program.cs"
    /usr/bin/time -f "%e %M" -o "$work/time.txt" dotnet build "$work" -c Release --no-restore -v q -nologo -p:UseSharedCompilation=false > /dev/null
    read -r seconds kb < "$work/time.txt"
    info="$(dotnet "$root/runtime/MatMulFree.Cli/bin/Release/net10.0/mmf.dll" inspect "$manifest")"
    terms="$(echo "$info" | sed -n 's/^unrolled code  *\([0-9,]*\) terms.*/\1/p')"
    adds="$(echo "$info" | sed -n 's/^additions  *\([0-9,]*\) per token as plain row sums, \([0-9,]*\) with.*/\1 -> \2/p')"
    size="$(du -k "$(find "$work/obj" -name '*.g.cs' | head -1)" | cut -f1)"
    echo "| $(basename "$manifest") | $terms | $adds | ${seconds} s | $((kb / 1024)) MiB | ${size} KiB |"
    rm -rf "$work"
done
