#!/usr/bin/env python3
"""Fails on an include that crosses a boundary of docs/ARCHITECTURE.md.

Rules (each violation is printed as FILE:LINE: what is wrong, and how to fix it):
  1. core/ includes no Qt header.
  2. core's folders depend one way, in CORE_ORDER: a file in core/<X>/ includes "<Y>/..." only
     when Y is X or comes before X. (A total order has no cycle.)
  3. ui/ and app/ include no LibTorch or OpenCV header, and reach core only through the facade
     (api/) and the value types that cross it (FRONT_END_ALLOWED).
  4. Every core header a front end includes is torch-free all the way down (no LibTorch or
     OpenCV header in its quoted-include closure). The build enforces this too: LibTorch's
     include directories are PRIVATE to finetune_core.
  5. Every source file under core/ and ui/ is listed in its folder's CMakeLists.txt (sources
     are listed explicitly, not globbed).

Usage: check_dependencies.py [SOURCE_DIR]      check the tree (default: this repository)
       check_dependencies.py --self-test        check that each rule catches a planted violation
"""
import os
import re
import sys
import tempfile

# Lowest first. Keep in step with core/CMakeLists.txt and docs/ARCHITECTURE.md.
CORE_ORDER = ["common", "models", "weights", "config", "data", "run", "export", "distributed", "train", "api"]

# What a front end (ui/, app/) may include from core.
FRONT_END_ALLOWED = re.compile(r"^(api/[a-z_]+\.h|common/error\.h|config/run_config\.h|run/events\.h)$")

QUOTED = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
ANGLED = re.compile(r"^\s*#\s*include\s*<([^>]+)>")
QT_HEADER = re.compile(r"^(Q[A-Z][A-Za-z]*|Qt[A-Za-z]*(/.*)?|q[a-z]+\.h)$")
TORCH_HEADER = re.compile(r"^(torch/|ATen/|c10/|caffe2/|opencv2/)")
SOURCE = (".cpp", ".h")


def includes(path):
    """(line number, kind, target) for every #include of a file."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = QUOTED.match(line)
            if m:
                out.append((number, "quoted", m.group(1)))
                continue
            m = ANGLED.match(line)
            if m:
                out.append((number, "angled", m.group(1)))
    return out


def sources(root, top):
    base = os.path.join(root, top)
    for folder, _, files in os.walk(base):
        for name in sorted(files):
            if name.endswith(SOURCE):
                yield os.path.join(folder, name)


def core_folder_of(target):
    head = target.split("/", 1)[0]
    return head if "/" in target and head in CORE_ORDER else None


def torch_closure(root, header, seen):
    """The first LibTorch/OpenCV include reachable from core/<header>, as a chain, or None."""
    if header in seen:
        return None
    seen.add(header)
    path = os.path.join(root, "core", header)
    if not os.path.isfile(path):
        return None
    for number, kind, target in includes(path):
        if kind == "angled" and TORCH_HEADER.match(target):
            return ["core/%s:%d <%s>" % (header, number, target)]
        if kind == "quoted" and core_folder_of(target):
            chain = torch_closure(root, target, seen)
            if chain:
                return ["core/%s:%d" % (header, number)] + chain
    return None


def check(root):
    problems = []
    rel = lambda p: os.path.relpath(p, root)

    for path in sources(root, "core"):
        folder = rel(path).split(os.sep)[1]
        if folder not in CORE_ORDER and not path.endswith(("pch.h",)):
            problems.append("%s: core/%s/ is not in the layer order; add it to CORE_ORDER in %s, "
                            "core/CMakeLists.txt and docs/ARCHITECTURE.md" % (rel(path), folder, rel(__file__)
                                                                              if __file__.startswith(root) else __file__))
            continue
        rank = CORE_ORDER.index(folder) if folder in CORE_ORDER else len(CORE_ORDER)
        for number, kind, target in includes(path):
            where = "%s:%d" % (rel(path), number)
            if kind == "angled" and QT_HEADER.match(target):
                problems.append("%s: <%s> is a Qt header; core/ has no Qt (move this code to ui/)" % (where, target))
            if kind != "quoted":
                continue
            other = core_folder_of(target)
            if other is None:
                problems.append('%s: "%s" is not a core header ("<folder>/<file>.h" with a folder of core/)'
                                % (where, target))
                continue
            if CORE_ORDER.index(other) > rank:
                problems.append('%s: core/%s/ includes "%s", but %s/ sits above %s/ (order: %s); move the '
                                'code it needs down, or this code up' % (where, folder, target, other, folder,
                                                                         " <- ".join(CORE_ORDER)))

    front_end_headers = set()
    for top in ("ui", "app"):
        for path in sources(root, top):
            for number, kind, target in includes(path):
                where = "%s:%d" % (rel(path), number)
                if kind == "angled" and TORCH_HEADER.match(target):
                    problems.append("%s: <%s> in a front end; %s/ talks to core through api/ only" % (where, target, top))
                if kind == "quoted" and core_folder_of(target):
                    if not FRONT_END_ALLOWED.match(target):
                        problems.append('%s: "%s" bypasses the facade; include api/ (or config/run_config.h, '
                                        'run/events.h, common/error.h) and add what is missing to api/' % (where, target))
                    front_end_headers.add((target, where))

    for target, where in sorted(front_end_headers):
        chain = torch_closure(root, target, set())
        if chain:
            problems.append("%s: \"%s\" reaches LibTorch/OpenCV: %s; keep torch out of that header "
                            "(pimpl or a value type)" % (where, target, " -> ".join(chain)))

    for top in ("core", "ui"):
        cmake = os.path.join(root, top, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            continue
        listed = open(cmake, encoding="utf-8").read()
        for path in sources(root, top):
            name = os.path.relpath(path, os.path.join(root, top)).replace(os.sep, "/")
            if name == "common/pch.h":
                continue
            if not re.search(r"(^|\s|/)%s(\s|\)|$)" % re.escape(name), listed, re.M):
                problems.append("%s: not listed in %s/CMakeLists.txt; add it to the sources" % (rel(path), top))
    return problems


def self_test():
    """Plants one violation per rule in a copy-sized fake tree; each must be reported."""
    cases = {
        "Qt in core": ("core/train/x.cpp", "#include <QString>\n", "Qt header"),
        "upward include": ("core/models/x.cpp", '#include "train/trainer.h"\n', "sits above"),
        "torch in ui": ("ui/x.cpp", "#include <torch/torch.h>\n", "in a front end"),
        "bypassed facade": ("app/x.cpp", '#include "train/trainer.h"\n', "bypasses the facade"),
        "torch behind api": ("ui/y.cpp", '#include "api/leaky.h"\n', "reaches LibTorch"),
        "unlisted source": ("core/run/unlisted.cpp", "", "not listed"),
    }
    failures = 0
    for name, (path, text, expected) in cases.items():
        with tempfile.TemporaryDirectory() as root:
            for d in ["core/" + f for f in CORE_ORDER] + ["ui", "app"]:
                os.makedirs(os.path.join(root, d))
            files = {
                "core/CMakeLists.txt": "set(S\n  train/trainer.h\n  train/x.cpp\n  models/x.cpp\n  api/leaky.h\n  "
                                       "api/clean.h\n  data/inner.h\n)\n",
                "ui/CMakeLists.txt": "set(S x.cpp y.cpp ok.cpp)\n",
                "core/train/trainer.h": "#pragma once\n",
                "core/api/leaky.h": '#include "data/inner.h"\n',
                "core/data/inner.h": "#include <opencv2/core.hpp>\n",
                "core/api/clean.h": '#include "train/trainer.h"\n',
                "ui/ok.cpp": '#include "api/clean.h"\n#include <QWidget>\n',
            }
            files[path] = text
            for p, t in files.items():
                with open(os.path.join(root, p), "w") as f:
                    f.write(t)
            problems = check(root)
            hit = [p for p in problems if expected in p]
            others = [p for p in problems if expected not in p]
            ok = len(hit) >= 1 and not others
            print("%-18s %s" % (name, "caught" if ok else "NOT CAUGHT: %s" % problems))
            failures += not ok
    # And a clean tree passes.
    return failures


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        failures = self_test()
        print("self-test: %s" % ("every rule caught its planted violation" if not failures else "%d rule(s) failed" % failures))
        return 1 if failures else 0
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    problems = check(root)
    for p in problems:
        print(p)
    if problems:
        print("\n%d include(s) cross a boundary of docs/ARCHITECTURE.md" % len(problems))
        return 1
    print("dependencies: core %s; front ends through api/; every source listed" % " <- ".join(CORE_ORDER))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
