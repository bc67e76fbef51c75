#!/usr/bin/python3
"""Quantization benchmark (issue 4): file sizes, accuracy on held-out samples and 1-thread latency
of fp16 / int8-weights / int8 variants against the fp32 .mota, through the mota CLI.

  run_quant_bench.py [--mota BIN] [--models mobilenet_v2,resnet18,squeezenet1_1,ppocr]
                     [--rounds 5] [--bench 20] [--out bench/quant/RESULTS.md]
                     [--sizes-only] [--model-dir DIR]

--sizes-only skips the latency runs and the per-sample class check (file ratios, gate and
accuracy metrics still come from `mota quantize --eval`). --model-dir writes the .mota files there
instead of bench/quant/data (the samples stay in data/), so a run does not replace the files
another run is timing.

Data comes from make_data.py (calibration and evaluation sets never share a sample). Latency: fp32
and int8 alternate (ABAB) for --rounds rounds of `mota run --bench N`; the ratio is taken per round
and the table shows the median ratio and its range. Run with /usr/bin/python3 (numpy).
"""

import argparse
import json
import resource
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("MOTA_SHARED_DIR", "/work/shared")
MODELS = {
    "mobilenet_v2": ("mobilenet_v2.onnx", "imagenet", "input", []),
    "resnet18": ("resnet18.onnx", "imagenet", "input", []),
    "squeezenet1_1": ("squeezenet1_1.onnx", "imagenet", "input", []),
    "ppocr": ("ch_ppocr_mobile_v2.0_cls_infer.onnx", "ppocr_cls", "x", ["--input", "x=1,3,48,192"]),
}
COUNTS = {"imagenet": (32, 32), "ppocr_cls": (64, 200)}  # calibration, evaluation


def run(cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    return p


def make_data(data_dir, kind):
    calib, evaluation = COUNTS[kind]
    out = {}
    for split, count in (("calib", calib), ("eval", evaluation)):
        d = os.path.join(data_dir, "%s_%s_%d" % (kind, split, count))
        if not os.path.isdir(d):
            run([sys.executable, os.path.join(HERE, "make_data.py"), "--model", kind, "--split", split,
                 "--count", str(count), "--seed", "0", "-o", d])
        out[split] = d
    return out


def quantize(mota, fp32, out, precision, data, gate=True):
    report = out + ".report.json"
    cmd = [mota, "quantize", fp32, "-o", out, "--precision", precision, "--calibration", data["calib"],
           "--eval", data["eval"], "--report", report, "-q"]
    if not gate:
        cmd += ["--min-cosine", "0"]
    p = run(cmd, check=False)
    if not os.path.exists(report):
        sys.exit("quantize wrote no report: %s\n%s" % (" ".join(cmd), p.stderr))
    with open(report) as f:
        return json.load(f), p.returncode == 0


WARMUP = 5


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bench_ms(mota, model, n):
    """(wall median ms of `mota run --bench n`, CPU ms per run). The CPU time is the process's
    (1 thread) minus that of the same command with --bench 0 (load, prepare, first run), divided
    by the warm-up and timed runs: time spent descheduled by other processes does not count."""
    cmd = [mota, "run", model, "--warmup", str(WARMUP), "--threads", "1", "--json"]
    t0 = children_cpu_s()
    p = run(cmd + ["--bench", str(n)])
    t1 = children_cpu_s()
    run(cmd + ["--bench", "0"])
    t2 = children_cpu_s()
    cpu_ms = max(0.0, (t1 - t0) - (t2 - t1)) * 1e3 / (n + WARMUP)
    return json.loads(p.stdout)["bench"]["median_ms"], cpu_ms


def latency_ratio(mota, fp32, candidate, rounds, n):
    """Per-round int8/fp32 ratios (fp32 and int8 alternate): for wall and for CPU time, each as
    (median ratio, min, max, median fp32 ms, median int8 ms)."""
    wall, cpu = ([], [], []), ([], [], [])
    for _ in range(rounds):
        a = bench_ms(mota, fp32, n)
        b = bench_ms(mota, candidate, n)
        for k, series in enumerate((wall, cpu)):
            series[0].append(b[k] / a[k])
            series[1].append(a[k])
            series[2].append(b[k])
    return tuple((statistics.median(r), min(r), max(r), statistics.median(x), statistics.median(y))
                 for r, x, y in (wall, cpu))


def format_lat(lat):
    (wm, wlo, whi, wa, wb), (cm, clo, chi, ca, cb) = lat
    return "CPU %.2f (%.2f-%.2f; %.2f vs %.2f ms), wall %.2f (%.2f-%.2f)" % (cm, clo, chi, cb, ca, wm, wlo, whi)


def predictions(mota, model, eval_dir, input_name):
    preds = []
    with tempfile.TemporaryDirectory() as tmp:
        for sample in sorted(e for e in os.listdir(eval_dir) if os.path.isdir(os.path.join(eval_dir, e))):
            out = os.path.join(tmp, sample)
            run([mota, "run", model, "--input", "%s=%s" % (input_name, os.path.join(eval_dir, sample, input_name + ".npy")),
                 "--output-dir", out])
            y = np.load(os.path.join(out, os.listdir(out)[0]))
            preds.append(int(np.argmax(y)))
    return preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mota", default=os.environ.get("MOTA", os.path.join(ROOT, "build", "tools", "mota", "mota")))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bench", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--sizes-only", action="store_true")
    ap.add_argument("--model-dir")
    args = ap.parse_args()
    data_dir = os.path.join(HERE, "data")
    os.makedirs(data_dir, exist_ok=True)
    model_dir = args.model_dir or data_dir
    os.makedirs(model_dir, exist_ok=True)
    rows, notes = [], []
    for name in args.models.split(","):
        onnx, kind, input_name, convert_args = MODELS[name]
        data = make_data(data_dir, kind)
        fp32 = os.path.join(model_dir, name + ".mota")
        run([args.mota, "convert", os.path.join(SHARED, "models", onnx), "-o", fp32] + convert_args)
        size = os.path.getsize(fp32)
        for precision in ("fp16", "int8-weights", "int8"):
            out = os.path.join(model_dir, "%s.%s.mota" % (name, precision))
            report, passed = quantize(args.mota, fp32, out, precision, data)
            if not passed:  # still measure what the ungated model costs, and say so
                report_ungated, _ = quantize(args.mota, fp32, out, precision, data, gate=False)
                notes.append("%s %s misses the gate (cosine %.6f < %.4f); its latency is of the ungated model"
                             % (name, precision, report["model"]["cosine"], report["gate"]["min_cosine"]))
                report = report_ungated
            kept = sum(1 for l in report["layers"] if l["precision"] == "fp32")
            row = {
                "model": name, "precision": precision, "size_ratio": os.path.getsize(out) / size,
                "cosine": report["model"]["cosine"], "sqnr": report["model"]["sqnr_db"], "gate": passed,
                "kept": "%d/%d" % (kept, len(report["layers"])) if report["layers"] else "-",
            }
            if precision == "int8" and not args.sizes_only:
                row["lat"] = latency_ratio(args.mota, fp32, out, args.rounds, args.bench)
                if kept > 0:  # what the runtime's int8 path gives with nothing kept in fp32
                    full = os.path.join(model_dir, "%s.int8-full.mota" % name)
                    rep_full, _ = quantize(args.mota, fp32, full, precision, data, gate=False)
                    lat = latency_ratio(args.mota, fp32, full, args.rounds, args.bench)
                    notes.append("%s fully int8 (`--min-cosine 0`, nothing kept in fp32): %.3fx the fp32 file, "
                                 "cosine %.6f on held-out samples, latency %s"
                                 % (name, os.path.getsize(full) / size, rep_full["model"]["cosine"], format_lat(lat)))
            if name == "ppocr" and precision == "int8" and not args.sizes_only:
                labels = json.load(open(os.path.join(data["eval"], "labels.json")))
                p32 = predictions(args.mota, fp32, data["eval"], input_name)
                p8 = predictions(args.mota, out, data["eval"], input_name)
                same = sum(a == b for a, b in zip(p32, p8)) / len(p32)
                acc32 = sum(a == b for a, b in zip(p32, labels)) / len(labels)
                acc8 = sum(a == b for a, b in zip(p8, labels)) / len(labels)
                notes.append("ppocr int8 on %d held-out text lines: predicted class unchanged on %.1f%%; "
                             "accuracy fp32 %.1f%%, int8 %.1f%%" % (len(labels), 100 * same, 100 * acc32, 100 * acc8))
            rows.append(row)
            print(row, flush=True)
    lines = ["| model | precision | file / fp32 | cosine | SQNR dB | gate | layers kept fp32 | int8 latency / fp32, 1 thread: CPU time and wall |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lat = format_lat(r["lat"]) if "lat" in r else "-"
        lines.append("| %s | %s | %.3f | %.6f | %.2f | %s | %s | %s |" % (
            r["model"], r["precision"], r["size_ratio"], r["cosine"], r["sqnr"],
            "passed" if r["gate"] else "MISSED", r["kept"], lat))
    text = "\n".join(lines) + "\n\n" + "".join("- %s\n" % n for n in notes)
    commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], check=False).stdout.strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], check=False).stdout
    load = os.getloadavg()
    if args.sizes_only:
        text += "- `--sizes-only`: no latency runs, no per-sample class check\n"
    with open(args.out, "w") as f:
        f.write("# Quantization results\n\nCommand: `/usr/bin/python3 bench/quant/run_quant_bench.py`"
                " (mota: %s)\nat commit %s%s, %s UTC; load average %.1f / %.1f / %.1f on %d cores\n"
                "(accuracy on held-out evaluation samples; default gates: int8 cosine 0.995, "
                "int8-weights 0.999, fp16 0.9999; latency: `mota run --bench %d --threads 1`, fp32 and "
                "int8 alternating for %d rounds, median of the per-round ratios and their range; CPU: the "
                "process's CPU time per run (less the same command with --bench 0), which other processes "
                "on a loaded machine disturb far less than the wall median; ms are medians)\n\n"
                % (os.path.relpath(args.mota, ROOT), commit, " (work tree has other changes)" if dirty else "",
                   time.strftime("%Y-%m-%d %H:%M", time.gmtime()), load[0], load[1], load[2],
                   os.cpu_count(), args.bench, args.rounds) + text)
    print(text)


if __name__ == "__main__":
    main()
