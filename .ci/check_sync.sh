#!/usr/bin/env bash
# Fails when the exported package differs from the notebooks, or notebooks are not clean.
# Works on a fresh clone and in a dirty working tree alike: compares before/after snapshots.
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r tsresearch "$tmp/pkg"; cp -r nbs "$tmp/nbs"
nbdev_export
if ! diff -r -x __pycache__ "$tmp/pkg" tsresearch; then
  echo "FAIL: tsresearch/ differs from the notebooks: run nbdev_export and commit." >&2; exit 1
fi
nbdev_clean
if ! diff -r -x .ipynb_checkpoints "$tmp/nbs" nbs >/dev/null; then
  diff -r -x .ipynb_checkpoints "$tmp/nbs" nbs | head -40 >&2
  echo "FAIL: notebooks are not clean: run nbdev_clean and commit." >&2; exit 1
fi
echo "notebooks and package in sync; notebooks clean"
# README.md is generated from nbs/index.ipynb
jupyter nbconvert --to markdown --stdout --log-level=ERROR nbs/index.ipynb > "$tmp/README.md"
if ! diff -q "$tmp/README.md" README.md >/dev/null; then
  echo "FAIL: README.md differs from nbs/index.ipynb: run make readme and commit." >&2; exit 1
fi
echo "README.md in sync with nbs/index.ipynb"
