#!/usr/bin/env python3
"""The oras-rs benchmark (run it through bench/run, which installs what it needs).

For each workload (a: one 1 GiB file, b: 100 x 1 MiB, c: 1000 x 4 KiB, d: one 64 MiB file, e: 15000 x
4 KiB, f: a directory of 50000 x 4 KiB, g: a directory of 10000 files / 1 GiB, h: one 10 GiB file) and each tool (oras-rs, bare curl, the oras Python SDK, the Rust `oci-client` crate through
bench/peers/oci-client) it pushes and pulls N times against a Distribution
registry on loopback, with its own temp storage, and reports the median wall time and peak RSS
(`/usr/bin/time -v`). Times are printed as ratios to curl's time in the same run. The page cache is
warm: the data is read once before the first measurement. Raw numbers go to bench/results/.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = {
    "a": ("1 GiB file", [("big.bin", 1 << 30)]),
    "b": ("100 x 1 MiB", [(f"f{i:03}.bin", 1 << 20) for i in range(100)]),
    "c": ("1000 x 4 KiB", [(f"f{i:04}.bin", 4 << 10) for i in range(1000)]),
    "d": ("64 MiB file", [("mid.bin", 64 << 20)]),
    # Linearity in the number of files (issue 15): the manifest of 15,000 layers is ~3.7 MiB,
    # just under the 4 MiB a registry and oras accept.
    "e": ("15000 x 4 KiB", [(f"f{i:05}.bin", 4 << 10) for i in range(15000)]),
    # Directories (packed as one tar+gzip layer; curl's baseline is `tar -cz | curl`, `curl | tar
    # -xz`). 50,000 files cannot be 50,000 layers: their manifest would be ~10.7 MiB, past the
    # 4 MiB a registry and oras accept, so the 50,000-file workload is a directory.
    "f": ("dir of 50000 x 4 KiB", [(f"tree/d{i // 100:03}/f{i:05}.bin", 4 << 10) for i in range(50000)]),
    "g": ("dir of 10000 files, 1 GiB", [(f"tree/d{i // 100:03}/f{i:05}.bin", (1 << 30) // 10000) for i in range(10000)]),
    # On demand only (`--workloads a,h --tools oras-rs,curl --no-cp`): 10 GiB of random data,
    # about 30 GiB of disk with the registry's copy and the pulled file.
    "h": ("10 GiB file", [("huge.bin", 10 << 30)]),
}
# Workloads pushed as the one directory `tree`, and the tools that can push a directory.
DIRS = {"f", "g"}
DIR_TOOLS = {"oras-rs", "baseline", "curl"}
TOOLS = ["oras-rs", "curl", "python", "oci-client"]
OCI_CLIENT_PEER = HERE / "peers" / "oci-client" / "target" / "release" / "oci-client-peer"

PY_PUSH = """
import sys, oras.client
registry, target, files = sys.argv[1], sys.argv[2], sys.argv[3:]
oras.client.OrasClient(hostname=registry, insecure=True).push(target=target, files=files, quiet=True)
"""
PY_PULL = """
import sys, oras.client
registry, target, out = sys.argv[1], sys.argv[2], sys.argv[3]
oras.client.OrasClient(hostname=registry, insecure=True).pull(target=target, outdir=out)
"""


def generate(data: Path, workloads) -> None:
    """Writes each workload's random files once; later runs reuse them."""
    for key in workloads:
        files = WORKLOADS[key][1]
        d = data / key
        d.mkdir(parents=True, exist_ok=True)
        for name, size in files:
            p = d / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if p.exists() and p.stat().st_size == size:
                continue
            with open(p, "wb") as f:
                left = size
                while left:
                    n = min(left, 8 << 20)
                    f.write(os.urandom(n))
                    left -= n


def warm(data: Path, workloads) -> None:
    for p in (f for w in workloads for f in (data / w).rglob("*")):
        if p.is_file():
            with open(p, "rb") as f:
                while f.read(8 << 20):
                    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(tmp: Path):
    port = free_port()
    cfg = tmp / "config.yml"
    cfg.write_text(
        f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {tmp / 'storage'}
http:
  addr: 127.0.0.1:{port}
"""
    )
    log = open(tmp / "registry.log", "w")
    proc = subprocess.Popen(["docker-registry", "serve", str(cfg)], stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            return proc, f"localhost:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("registry did not start; see " + str(tmp / "registry.log"))


def timed(cmd, cwd, env=None):
    """Runs cmd under GNU time; returns (seconds, peak RSS KiB, CPU seconds user + system of the
    client and its children; the registry's CPU is not in it). Dirty pages left by the previous
    command (curl never syncs what it wrote) are flushed first, so no tool pays for another's
    writeback."""
    subprocess.run(["sync"], check=False)
    out = subprocess.run(
        ["/usr/bin/time", "-v"] + cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd[:6])} ...\n{out.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", out.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", out.stderr).group(1)) for k in ("User", "System"))
    return seconds, rss, cpu


def commands(tool, op, oras, registry, repo, files, out, python, baseline=None, peer=None):
    ref = f"{registry}/{repo}:v1"
    if tool == "oci-client":
        return [peer, "push", ref] + files if op == "push" else [peer, "pull", ref, out]
    if tool in ("oras-rs", "baseline"):
        binary = oras if tool == "oras-rs" else baseline
        if op == "cp":
            return [binary, "cp", ref, out]
        if op == "cp-layout":
            return [binary, "cp", ref, "--to-oci-layout", f"{out}:v1"]
        if op == "repull":
            return [binary, "pull", ref, "-o", out, "--skip-unchanged"]
        return [binary, "push", ref] + files if op == "push" else [binary, "pull", ref, "-o", out]
    if tool == "curl" and files == ["tree"]:
        if op == "push":
            return ["bash", str(HERE / "curl_push_dir.sh"), registry, repo, "v1", "tree"]
        return ["bash", str(HERE / "curl_pull_dir.sh"), registry, repo, "v1", out]
    if tool == "curl":
        if op == "push":
            return ["bash", str(HERE / "curl_push.sh"), registry, repo, "v1"] + files
        return ["bash", str(HERE / "curl_pull.sh"), registry, repo, "v1", out]
    script = PY_PUSH if op == "push" else PY_PULL
    args = files if op == "push" else [out]
    return [python, "-c", script, registry, ref] + args


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oras", required=True, help="the oras-rs binary")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workloads", default="a,b,c,d")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--baseline", help="another oras-rs binary (an older commit), measured in the same run as tool 'baseline'")
    ap.add_argument("--oci-client", default=str(OCI_CLIENT_PEER), help="the oci-client peer (bench/run builds it)")
    ap.add_argument("--no-cp", action="store_true", help="skip oras-rs's cp to a second registry and to an OCI layout")
    ap.add_argument("--no-repeat", action="store_true", help="skip oras-rs's repeated pull (--skip-unchanged) and its pull through a warm ORAS_CACHE")
    args = ap.parse_args()
    oras = str(Path(args.oras).resolve())
    baseline = str(Path(args.baseline).resolve()) if args.baseline else None
    python = str(HERE / ".venv" / "bin" / "python")
    workloads = args.workloads.split(",")
    tools = args.tools.split(",")
    if baseline and "baseline" not in tools:
        tools.append("baseline")
    unknown = [t for t in tools if t not in TOOLS and not (t == "baseline" and baseline)]
    if unknown:
        ap.error(f"unknown tool(s) {', '.join(unknown)}; known: {', '.join(TOOLS)} (and baseline with --baseline)")
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    peer = str(Path(args.oci_client).resolve())
    if "oci-client" in tools and not os.access(peer, os.X_OK):
        ap.error(f"{peer} is not built: cargo build --release --locked --manifest-path bench/peers/oci-client/Cargo.toml (bench/run does it)")

    data = HERE / ".data"
    print("generating data (once) ...", file=sys.stderr)
    generate(data, workloads)
    warm(data, workloads)
    tmp = Path(tempfile.mkdtemp(prefix="oras-bench-"))
    proc, registry = start_registry(tmp)
    # The destination of `oras cp`: another registry process, so nothing is mounted or skipped.
    (tmp / "second").mkdir()
    proc2, registry2 = start_registry(tmp / "second")
    results = {}
    spread = {}
    try:
        for w in workloads:
            files = ["tree"] if w in DIRS else [name for name, _ in WORKLOADS[w][1]]
            cwd = data / w
            floor = []
            for _ in range(args.runs):
                floor.append(timed(["sh", "-c", "find . -type f -exec openssl dgst -sha256 -r {} + >/dev/null"], cwd)[0])
            results[(w, "hash", "openssl")] = (statistics.median(floor), 0, 0)
            # Runs interleave the tools (run 1 of each, then run 2 of each, ...), each run's
            # order rotated: no tool always goes first, when the registry is coldest.
            run_tools = [t for t in tools if w not in DIRS or t in DIR_TOOLS]
            samples = {tool: ([], [], [], [], [], [], [], []) for tool in run_tools}
            for run in range(args.runs):
                order = run_tools[run % len(run_tools):] + run_tools[:run % len(run_tools)]
                for tool in order:
                    push, pull, verified, cp, cp_layout, repull, cached, parallel = samples[tool]
                    repo = f"bench/{w}-{tool.replace('-', '')}-{run}"
                    push.append(timed(commands(tool, "push", oras, registry, repo, files, None, python, baseline, peer), cwd))
                    out = tmp / "out"
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir()
                    pull.append(timed(commands(tool, "pull", oras, registry, repo, files, str(out), python, baseline, peer), out))
                    if tool == "oras-rs" and not args.no_repeat:
                        # The same pull again into the same directory: every file is there with
                        # its digest, so --skip-unchanged downloads nothing.
                        repull.append(timed(commands(tool, "repull", oras, registry, repo, files, str(out), python, baseline, peer), out))
                        # Through ORAS_CACHE: one pull fills the cache (not timed), the timed one
                        # into a fresh directory reads every blob from it.
                        cache = tmp / "cache"
                        shutil.rmtree(cache, ignore_errors=True)
                        env = dict(os.environ, ORAS_CACHE=str(cache))
                        cmd = commands(tool, "pull", oras, registry, repo, files, str(tmp / "fill"), python, baseline, peer)
                        timed(cmd, tmp, env)
                        shutil.rmtree(tmp / "fill", ignore_errors=True)
                        shutil.rmtree(out, ignore_errors=True)
                        out.mkdir()
                        cmd = commands(tool, "pull", oras, registry, repo, files, str(out), python, baseline, peer)
                        cached.append(timed(cmd, out, env))
                        shutil.rmtree(cache, ignore_errors=True)
                    shutil.rmtree(out, ignore_errors=True)
                    if tool == "curl":
                        # The same pull, then every file hashed: curl's pull *with* verification.
                        out.mkdir()
                        env = dict(os.environ, VERIFY="1")
                        cmd = commands(tool, "pull", oras, registry, repo, files, str(out), python, baseline, peer)
                        verified.append(timed(cmd, out, env))
                        shutil.rmtree(out, ignore_errors=True)
                        if w not in DIRS:
                            # Three layers at a time, as oras's default --concurrency: the
                            # registry's floor for a client at that concurrency.
                            out.mkdir()
                            env = dict(os.environ, PARALLEL="3")
                            parallel.append(timed(cmd, out, env))
                            shutil.rmtree(out, ignore_errors=True)
                    if tool == "oras-rs" and not args.no_cp:
                        dst = f"{registry2}/{repo}:v1"
                        cp.append(timed(commands(tool, "cp", oras, registry, repo, files, dst, python, baseline, peer), tmp))
                        layout = tmp / "layout"
                        shutil.rmtree(layout, ignore_errors=True)
                        cp_layout.append(timed(commands(tool, "cp-layout", oras, registry, repo, files, str(layout), python, baseline, peer), tmp))
                        shutil.rmtree(layout, ignore_errors=True)
                    print(f"  {w} {tool} run {run + 1}: push {push[-1][0]:.2f}s pull {pull[-1][0]:.2f}s", file=sys.stderr)
            for tool in run_tools:
                for op, runs in zip(("push", "pull", "pull-verify", "cp", "cp-layout", "repull", "pull-cached", "pull-parallel"), samples[tool]):
                    if not runs:
                        continue
                    results[(w, op, tool)] = (
                        statistics.median(s[0] for s in runs),
                        max(s[1] for s in runs),
                        statistics.median(s[2] for s in runs),
                    )
                    spread[(w, op, tool)] = (min(s[0] for s in runs), max(s[0] for s in runs))
    finally:
        for p in (proc, proc2):
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    res_dir = HERE / "results"
    res_dir.mkdir(exist_ok=True)
    raw = [
        {"workload": w, "op": op, "tool": tool, "median_seconds": t, "peak_rss_kib": rss, "median_cpu_seconds": cpu,
         "runs": args.runs, "min_seconds": spread.get((w, op, tool), (t, t))[0], "max_seconds": spread.get((w, op, tool), (t, t))[1]}
        for (w, op, tool), (t, rss, cpu) in results.items()
    ]
    (res_dir / f"{stamp}.json").write_text(json.dumps(raw, indent=2) + "\n")

    print(f"\noras-rs benchmark, {args.runs} run(s) each, median wall time; page cache warm (data read once before, dirty pages synced before each command); registry on loopback")
    print(f"{nproc()} cores; ratios are to curl's time in this run (lower is faster)\n")
    header = "| workload | op | curl s | " + " | ".join(f"{t} ratio" for t in tools if t != "curl") + " | " + " | ".join(f"{t} RSS MiB" for t in tools) + " |"
    print(header)
    print("|" + "|".join(["---"] * (header.count("|") - 1)) + "|")
    for w in workloads:
        for op in ("push", "pull"):
            base = results.get((w, op, "curl"), (None, 0))[0]
            cells = [WORKLOADS[w][0], op, f"{base:.2f}" if base else "-"]
            for t in tools:
                if t == "curl":
                    continue
                v = results.get((w, op, t))
                cells.append(f"{v[0] / base:.2f} ({v[0]:.2f}s)" if v and base else (f"{v[0]:.2f}s" if v else "-"))
            for t in tools:
                v = results.get((w, op, t))
                cells.append(f"{v[1] / 1024:.1f}" if v else "-")
            print("| " + " | ".join(cells) + " |")
        v = results.get((w, "pull-verify", "curl"))
        if v:
            print(f"| {WORKLOADS[w][0]} | pull, curl + openssl verify | {v[0]:.2f} | " + " | ".join(["-"] * (header.count("|") - 4)) + " |")
        v = results.get((w, "pull-parallel", "curl"))
        base = results.get((w, "pull", "curl"), (None,))[0]
        if v and base:
            print(f"| {WORKLOADS[w][0]} | pull, curl -Z 3 at a time (the registry's floor at --concurrency 3) | {v[0]:.2f} ({v[0] / base:.2f} of curl) | " + " | ".join(["-"] * (header.count("|") - 4)) + " |")
        h = results.get((w, "hash", "openssl"))
        if h:
            print(f"| {WORKLOADS[w][0]} | openssl dgst -sha256 | {h[0]:.2f} | " + " | ".join(["-"] * (header.count("|") - 4)) + " |")
    # The client's own CPU (user + system, children included): the registry's is not in it.
    if "curl" in tools:
        others = [t for t in tools if t != "curl"]
        print("\n| workload | op | curl CPU s | " + " | ".join(f"{t} CPU s (/ curl)" for t in others) + " |")
        print("|---|---|---|" + "---|" * len(others))
        for w in workloads:
            for op in ("push", "pull"):
                base = results.get((w, op, "curl"))
                if not base:
                    continue
                cells = []
                for t in others:
                    v = results.get((w, op, t))
                    cells.append(f"{v[2]:.2f} ({v[2] / base[2]:.2f})" if v and base[2] else (f"{v[2]:.2f}" if v else "-"))
                print(f"| {WORKLOADS[w][0]} | {op} | {base[2]:.2f} | " + " | ".join(cells) + " |")
    # oras cp, registry to a second registry and registry to an OCI layout, against the pull.
    if any((w, "cp", "oras-rs") in results for w in workloads):
        print("\n| workload | oras-rs pull s | cp registry -> registry s (/ pull) | cp -> OCI layout s (/ pull) | cp RSS MiB |")
        print("|---|---|---|---|---|")
        for w in workloads:
            pull, cp, lay = (results.get((w, op, "oras-rs")) for op in ("pull", "cp", "cp-layout"))
            if pull and cp and lay:
                print(f"| {WORKLOADS[w][0]} | {pull[0]:.2f} | {cp[0]:.2f} ({cp[0] / pull[0]:.2f}) | {lay[0]:.2f} ({lay[0] / pull[0]:.2f}) | {max(cp[1], lay[1]) / 1024:.1f} |")
    # A repeated pull of unchanged content: --skip-unchanged into the same directory, and
    # through a warm ORAS_CACHE into a fresh one, against the first pull.
    if any((w, "repull", "oras-rs") in results for w in workloads):
        print("\n| workload | oras-rs pull s | pull again, --skip-unchanged s (/ pull) | pull, warm ORAS_CACHE s (/ pull) | RSS MiB |")
        print("|---|---|---|---|---|")
        for w in workloads:
            pull, again, cached = (results.get((w, op, "oras-rs")) for op in ("pull", "repull", "pull-cached"))
            if pull and again and cached:
                print(f"| {WORKLOADS[w][0]} | {pull[0]:.2f} | {again[0]:.2f} ({again[0] / pull[0]:.2f}) | {cached[0]:.2f} ({cached[0] / pull[0]:.2f}) | {max(again[1], cached[1]) / 1024:.1f} |")
    # oras-rs against another build (--baseline) and against the oci-client peer, head to head.
    for other in ("baseline", "oci-client"):
        if "oras-rs" not in tools or other not in tools:
            continue
        print(f"\n| workload | op | oras-rs / {other} (median) | oras-rs min-max s | {other} min-max s |")
        print("|---|---|---|---|---|")
        for w in workloads:
            for op in ("push", "pull"):
                new, old = results.get((w, op, "oras-rs")), results.get((w, op, other))
                if new and old:
                    a, b = spread[(w, op, "oras-rs")], spread[(w, op, other)]
                    print(f"| {WORKLOADS[w][0]} | {op} | {new[0] / old[0]:.2f} | {a[0]:.2f}-{a[1]:.2f} | {b[0]:.2f}-{b[1]:.2f} |")
    print(f"\nraw numbers: {res_dir / (stamp + '.json')}")


def nproc() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
