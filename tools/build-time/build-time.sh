#!/usr/bin/env bash
# What a compiled-in model costs a user's builds (issue 16's budgets, docs/generator.md, "Build time"):
# three console apps built against the MatMulFree package packed from this tree, as a user gets it:
#   plain   a `dotnet new console` app (no MatMulFree at all)
#   brown   one PackageReference and the brown sample's manifest (samples/models, packed kernel)
#   370m    one PackageReference and the 370M-shaped manifest with its external weights file
#           (tools/bench-370m/bench-370m.sh makes it with PyTorch; skipped when absent)
# For each, in turn and ROUNDS times (the machine is shared: variants alternate, medians and spread
# are reported): a first build (bin/ and obj/ removed but for the restore), then an unrelated one-line
# edit of Program.cs and the build after it. The build server stays up, as on a developer's machine.
# Prints a markdown table with each app's medians, its ratio to the plain app's, the generated
# source's size and the data resource's.
#   tools/build-time/build-time.sh [ROUNDS] [370M_MANIFEST]
# SHARED=true|false sets UseSharedCompilation (the compiler server; the .NET SDK's default is true,
# and the machines of this project set it false in the environment: the table says which).
# EMBED=true|false sets <MatMulFreeEmbedWeights> (default: the package's, which embeds the weights
# file when publishing and copies it beside the application in other builds).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}"
m370="${2:-/tmp/m370/mmfreelm-370m-random.mmf.json}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version=0.1.0-buildtime

dotnet pack "$root/package/MatMulFree" -c Release -o "$work/packages" -p:Version=$version -v q -nologo > /dev/null
machine="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources><clear /><add key="local" value="$work/packages" /><add key="machine" value="$machine" /></packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="MatMulFree" /></packageSource>
    <packageSource key="machine"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
export NUGET_PACKAGES="$work/nuget-cache"

# app NAME MANIFEST [WEIGHTS]: a console app; with a manifest, the package and a model class.
app() {
    local dir="$work/$1"
    mkdir -p "$dir"
    cp "$work/nuget.config" "$dir/"
    local items=""
    if [ -n "${2:-}" ]; then
        # Under their own names: the manifest names its weights file.
        local name; name="$(basename "$2")"
        cp "$2" "$dir/$name"
        # A hard link (or a copy), not a symbolic link: the copy to the output folder compares timestamps,
        # and a symbolic link's own is not its file's.
        [ -n "${3:-}" ] && { ln "$3" "$dir/$(basename "$3")" 2>/dev/null || cp "$3" "$dir/$(basename "$3")"; }
        items="<PackageReference Include=\"MatMulFree\" Version=\"$version\" /><MatMulFreeModel Include=\"$name\" />"
        printf 'using MatMulFree.Runtime;\n[MatMulFreeModel("%s")]\npublic partial class Model;\n' "$name" > "$dir/Model.cs"
        printf 'System.Console.WriteLine(new Model().Name);\n' > "$dir/Program.cs"
    else
        printf 'System.Console.WriteLine("plain");\n' > "$dir/Program.cs"
    fi
    cat > "$dir/App.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings><EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
    <MatMulFreeEmbedWeights>${EMBED:-}</MatMulFreeEmbedWeights></PropertyGroup>
  <ItemGroup>$items</ItemGroup>
</Project>
PROJ
    dotnet restore "$dir" -v q -nologo > /dev/null
    dotnet build "$dir" --no-restore -v q -nologo ${SHARED:+-p:UseSharedCompilation=$SHARED} > /dev/null   # warms the compiler server, if used, and the NuGet cache
}

apps=(plain brown)
app plain
app brown "$root/samples/models/brown-l4-h128.mmf.json"
if [ -f "$m370" ] && [ -f "${m370%.mmf.json}.mmfw" ]; then
    app 370m "$m370" "${m370%.mmf.json}.mmfw"
    apps+=(370m)
fi

shared=()
[ -n "${SHARED:-}" ] && shared=(-p:UseSharedCompilation=$SHARED)
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
for ((r = 1; r <= rounds; r++)); do
    for a in "${apps[@]}"; do
        dir="$work/$a"
        find "$dir/bin" "$dir/obj" -mindepth 1 -maxdepth 1 ! -name '*.json' ! -name '*.props' ! -name '*.targets' ! -name '*.cache' -exec rm -rf {} + 2>/dev/null || true
        echo "$(seconds dotnet build "$dir" --no-restore -v q -nologo "${shared[@]}")" >> "$work/$a.first"
        echo "// edit $r" >> "$dir/Program.cs"
        echo "$(seconds dotnet build "$dir" --no-restore -v q -nologo "${shared[@]}")" >> "$work/$a.edit"
    done
done

median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
spread() { sort -n "$1" | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'; }
pf=$(median "$work/plain.first"); pe=$(median "$work/plain.edit")
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; .NET SDK $(dotnet --version); $rounds rounds, variants in turn;" \
     "compiler server: UseSharedCompilation=${SHARED:-${UseSharedCompilation:-true (SDK default)}}; MatMulFreeEmbedWeights=${EMBED:-(default)}"
echo
echo "| app | first build (s, median, range) | vs plain | one-line edit (s, median, range) | vs plain | generated source | data resource |"
echo "|---|---|---|---|---|---|---|"
for a in "${apps[@]}"; do
    f=$(median "$work/$a.first"); e=$(median "$work/$a.edit")
    src=$(find "$work/$a/obj" -name '*.g.cs' -path '*MatMulFree.Generator*' -exec cat {} + 2>/dev/null | wc -c)
    data=$(find "$work/$a/obj" -name 'MatMulFree.*.mmfd' -exec cat {} + 2>/dev/null | wc -c)
    printf '| %s | %.2f (%s) | %.2fx | %.2f (%s) | %.2fx | %s KB | %s KB |\n' "$a" "$f" "$(spread "$work/$a.first")" "$(echo "$f / $pf" | bc -l)" \
        "$e" "$(spread "$work/$a.edit")" "$(echo "$e / $pe" | bc -l)" "$((src / 1024))" "$((data / 1024))"
done
