#!/usr/bin/env bash
# The generic runtime's decode, prefill and 16-session tokens/s, one build against another, run in
# turn on the same machine (the host drifts, so only the ratios of one run mean anything):
#   tools/compare-builds/compare.sh REVISION [ROUNDS] [MANIFEST:THREADS]...
# REVISION is checked out into a temporary worktree; the other build is this working tree.
# Default manifests: brown-l4-h128 on 1 and 2 threads, tiny-l2-h64 and micro-l2-h16 on 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rev="$1"; rounds="${2:-3}"; shift $(( $# >= 2 ? 2 : 1 ))
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=(samples/models/brown-l4-h128.mmf.json:1 samples/models/brown-l4-h128.mmf.json:2
           tests/data/models/tiny-l2-h64.mmf.json:1 tests/data/models/micro-l2-h16.mmf.json:1)
fi
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/before" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/before" "$rev" > /dev/null
for side in before after; do
    src="$root"; [ "$side" = before ] && src="$work/before"
    mkdir -p "$work/$side-app"
    cp "$root/tools/compare-builds/Program.cs" "$work/$side-app/"
    cat > "$work/$side-app/Compare.csproj" <<PROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup><ProjectReference Include="$src/runtime/MatMulFree.Runtime/MatMulFree.Runtime.csproj" /></ItemGroup>
</Project>
PROJ
    dotnet build "$work/$side-app" -c Release -v q -nologo -o "$work/$side-bin" > /dev/null
done
echo "before: $rev; after: this working tree; $rounds rounds, in turn; tokens/s (decode prefill 16-sessions)"
echo
echo "| manifest, threads | round | decode before | after | ratio | prefill before | after | ratio | 16 sessions before | after | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "${cases[@]}"; do
    manifest="${c%:*}"; threads="${c##*:}"
    for r in $(seq 1 "$rounds"); do
        read -r bd bp bs < <(dotnet "$work/before-bin/Compare.dll" "$root/$manifest" "$threads")
        read -r ad ap as < <(dotnet "$work/after-bin/Compare.dll" "$root/$manifest" "$threads")
        awk -v m="$(basename "$manifest" .mmf.json), $threads" -v r="$r" -v bd="$bd" -v ad="$ad" -v bp="$bp" -v ap="$ap" -v bs="$bs" -v as="$as" \
            'BEGIN { printf "| %s | %d | %d | %d | %.2f | %d | %d | %.2f | %d | %d | %.2f |\n", m, r, bd, ad, ad/bd, bp, ap, ap/bp, bs, as, as/bs }'
    done
done
