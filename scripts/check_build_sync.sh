#!/usr/bin/env bash
# Checks that every folder's BUILD.bazel and CMakeLists.txt declare the same
# targets (STYLE.md section 10): Bazel `name = "x"` of each rule vs the NAME of
# each cwalarm_cc_* call. Fails listing targets without a twin.
#
# Ignored: names ending in _gen; filegroup, exports_files, config_setting,
# alias and test_suite rules; and any rule or call whose line, or the comment
# line right above it, contains "build-sync: ignore" (e.g. a test-data
# filegroup or a Bazel-only helper).
# Also warns (without failing) when the common targets are in a different order.
set -euo pipefail
cd "$(dirname "$0")/.."

exec python3 - "$@" <<'PY'
import os, re, sys

SKIP_DIRS = {".git", "third_party", "cmake", "scripts", ".ci", "docs"}
IGNORED_KINDS = {"filegroup", "exports_files", "config_setting", "alias",
                 "test_suite", "package", "load", "licenses"}
MARK = "build-sync: ignore"

def bazel_targets(path):
    text = open(path).read()
    lines = text.splitlines()
    names = []
    # A rule starts at column 0: `kind(`; its name is the first name = "..." after it.
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^(\w+)\(", text, re.M)]
    for i, (pos, kind) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        body = text[pos:end]
        # Comments after the rule belong to the next one (its "build-sync:
        # ignore" must not silence this rule).
        body_lines = body.rstrip().split("\n")
        while body_lines and body_lines[-1].lstrip().startswith("#"):
            body_lines.pop()
        body = "\n".join(body_lines)
        m = re.search(r'\bname\s*=\s*"([^"]+)"', body)
        if not m or kind in IGNORED_KINDS:
            continue
        lineno = text.count("\n", 0, pos)
        context = "\n".join(lines[max(0, lineno - 1):lineno + 1]) + body
        if MARK in context:
            continue
        names.append(m.group(1))
    return names

def cmake_targets(path):
    text = open(path).read()
    # Drop comments, but remember ignore marks on the call line or the line above.
    lines = text.splitlines()
    names = []
    for m in re.finditer(r"\bcwalarm_cc_\w+\s*\(\s*NAME\s+([A-Za-z0-9_.+-]+)", text):
        lineno = text.count("\n", 0, m.start())
        line = lines[lineno]
        if line.lstrip().startswith("#"):
            continue
        context = "\n".join(lines[max(0, lineno - 1):lineno + 1])
        if MARK in context:
            continue
        names.append(m.group(1))
    return names

def keep(name):
    return not name.endswith("_gen")

folders = set()
for root, dirs, files in os.walk("."):
    rel = os.path.relpath(root, ".")
    dirs[:] = sorted(d for d in dirs
                     if d not in SKIP_DIRS and not d.startswith("bazel-")
                     and not d.startswith("build") and not d.startswith("."))
    if rel == ".":
        continue  # the top level has no targets of its own
    if "BUILD.bazel" in files or "BUILD" in files or "CMakeLists.txt" in files:
        folders.add(rel)

problems = []
warnings = []
total = 0
for folder in sorted(folders):
    bfile = next((os.path.join(folder, f) for f in ("BUILD.bazel", "BUILD")
                  if os.path.exists(os.path.join(folder, f))), None)
    cfile = os.path.join(folder, "CMakeLists.txt")
    b = [n for n in bazel_targets(bfile) if keep(n)] if bfile else []
    c = [n for n in cmake_targets(cfile) if keep(n)] if os.path.exists(cfile) else []
    if bfile is None and c:
        problems.append(f"{folder}/: has CMakeLists.txt but no BUILD.bazel")
    if not os.path.exists(cfile) and b:
        problems.append(f"{folder}/: has BUILD.bazel but no CMakeLists.txt")
    for n in b:
        if n not in c:
            problems.append(f"{folder}/: Bazel target '{n}' has no CMake twin (cwalarm_cc_*(NAME {n} ...))")
    for n in c:
        if n not in b:
            problems.append(f"{folder}/: CMake target '{n}' has no Bazel twin (name = \"{n}\")")
    for n in set(b):
        if b.count(n) > 1:
            problems.append(f"{folder}/: Bazel target '{n}' declared {b.count(n)} times")
    common_b = [n for n in b if n in c]
    common_c = [n for n in c if n in b]
    if common_b != common_c:
        warnings.append(f"{folder}/: same targets, different order\n"
                        f"    BUILD.bazel:    {' '.join(common_b)}\n"
                        f"    CMakeLists.txt: {' '.join(common_c)}")
    total += len(common_b)

for w in warnings:
    print("check_build_sync: warning: " + w)
if problems:
    print("check_build_sync: BUILD.bazel and CMakeLists.txt are out of step:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print(f"check_build_sync: OK, {total} targets in step across {len(folders)} folders")
PY
