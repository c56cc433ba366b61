#!/usr/bin/env bash
# A library user's view of ByteLens: a fresh SwiftPM package in a temporary directory depends on a tagged
# clone of this repository *by version* (`from:`), the way a published release is used, and runs the Swift
# examples of README.md verbatim (every ```swift block, each in its own scope). SwiftPM refuses
# `unsafeFlags` in such a dependency, so this fails if any target uses them again.
# Clones the committed HEAD: commit before running it. Prints which packages the consumer resolved.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/bytelens-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT
version="0.1.0"

git clone -q "$repo" "$work/ByteLens"
git -C "$work/ByteLens" tag -f "$version" >/dev/null

mkdir -p "$work/Consumer/Sources/Consumer"
cat > "$work/Consumer/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "file://$work/ByteLens", from: "$version")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "BLTModel", package: "ByteLens")])]
)
SWIFT

# README's Swift blocks, imports hoisted, each block in a do { } scope (they reuse names such as `model`).
{
    echo "import BLTModel"
    echo "import Foundation"
    awk '/^```swift/ { inside = 1; print "do {"; next }
         /^```/ && inside { inside = 0; print "}"; next }
         inside && !/^import / { print }' "$repo/README.md"
    echo 'print("consumer: README examples ran")'
} > "$work/Consumer/Sources/Consumer/main.swift"
blocks=$(grep -c '^```swift' "$repo/README.md")
[ "$blocks" -ge 3 ] || { echo "consumer: expected at least 3 Swift blocks in README.md, found $blocks"; exit 1; }

cd "$work/Consumer"
swift package resolve >/dev/null 2>&1
echo "consumer: resolved $(ls .build/checkouts | tr '\n' ' ')(ByteLens $version by version)"
# Run from the consumer's directory: the shipped model is found in the ByteLens checkout (ShippedModel).
swift build -q 2>&1 | grep -v "warning:" | grep -E "error" && exit 1 || true
swift run -q Consumer | tail -3
# SwiftPM creates a build folder for every target of the graph; only compiled ones hold objects.
if ls .build/debug/ArgumentParser.build/*.o >/dev/null 2>&1; then built="built"; else built="not built"; fi
echo "consumer: swift-argument-parser (CLI only) resolved but $built"
