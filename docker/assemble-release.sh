#!/bin/sh
# Assembles the runtime image's /app in the folder given as $1 (run from the package root, after
# `npm run build` and `npm prune --omit=dev`): exactly what `npm pack` publishes (the "files" of
# package.json, plus package.json and README) and the production node_modules, less what Node never
# loads at run time (source maps, type declarations, the native addon's C sources and objects,
# gpt-tokenizer's browser bundles). That takes node_modules from about 140 MB to about 45 MB.
set -eu
out="${1:?usage: assemble-release.sh OUT_DIR}"
rm -rf "$out"
mkdir -p "$out"
tarball="$(npm pack --silent)"
tar -xzf "$tarball" -C "$out" --strip-components=1
rm -f "$tarball"
cp -R node_modules "$out/node_modules"

cd "$out/node_modules"
find . -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
addon=better-sqlite3/build/Release/better_sqlite3.node
mv "$addon" better-sqlite3/addon.keep
rm -rf better-sqlite3/build better-sqlite3/deps better-sqlite3/src
mkdir -p better-sqlite3/build/Release
mv better-sqlite3/addon.keep "$addon"
rm -rf gpt-tokenizer/dist gpt-tokenizer/src
