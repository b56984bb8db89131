#!/usr/bin/env python3
"""Helpers for bench/run.sh (stdlib only).

  report.py parse-wrk FILE
      Print one line "rps p50_us p90_us p99_us requests errors non2xx" parsed from
      the output of `wrk --latency`.
  report.py write --raw RAW.tsv --meta META.json --results bench/RESULTS.md
      Aggregate the per-run rows (medians over rounds) and replace the HTTP section
      of RESULTS.md (between the http-bench markers), keeping everything else.

RAW.tsv columns (one line per measured wrk run, written by run.sh):
  conns round target rps p50_us p90_us p99_us requests errors non2xx cpu_s bg_cores
  where cpu_s is the proxy's utime+stime spent during the run ("-" for direct) and bg_cores
  the CPU (in cores) used meanwhile by processes that are not part of the benchmark.
"""
import json
import re
import statistics
import sys

START = "<!-- http-bench:start -->"
END = "<!-- http-bench:end -->"

BG_LIMIT = 0.25  # cores of CPU used by other processes above which a run counts as disturbed

_UNIT_US = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def to_us(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unparsable wrk time {text!r}")
    return float(m.group(1)) * _UNIT_US[m.group(2)]


def parse_wrk(text):
    out = {}
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    if not m:
        raise ValueError("no 'Requests/sec:' line in wrk output")
    out["rps"] = float(m.group(1))
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        if not m:
            raise ValueError(f"no {pct}% line in wrk output (was --latency given?)")
        out[f"p{pct}"] = to_us(m.group(1))
    m = re.search(r"^\s+(\d+) requests in", text, re.M)
    out["requests"] = int(m.group(1)) if m else 0
    # "Socket errors: connect 0, read 0, write 0, timeout 0"
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["errors"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    return out


def fmt_us(us):
    if us is None:
        return "-"
    if us >= 10_000:
        return f"{us / 1000:.1f} ms"
    if us >= 1000:
        return f"{us / 1000:.2f} ms"
    return f"{us:.0f} µs"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}×"


def row_from_fields(p):
    """One RAW.tsv line (split) as a dict; also used by tls_report.py."""
    return {
        "conns": int(p[0]), "round": int(p[1]), "target": p[2],
        "rps": float(p[3]), "p50": float(p[4]), "p90": float(p[5]), "p99": float(p[6]),
        "requests": int(p[7]), "errors": int(p[8]), "non2xx": int(p[9]),
        "cpu_s": None if p[10] == "-" else float(p[10]),
        "bg": float(p[11]) if len(p) > 11 else 0.0,
        "pcore": None if len(p) <= 13 or p[12] == "-" else float(p[12]),
        "load": None if len(p) <= 13 or p[13] == "-" else float(p[13]),
    }


def load_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p or p[0] == "conns":
                continue
            rows.append(row_from_fields(p))
    return rows


def median_or_none(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def aggregate(rows, targets, conns):
    agg = {}
    for t in targets:
        all_rs = [r for r in rows if r["target"] == t and r["conns"] == conns]
        if not all_rs:
            continue
        # medians over the undisturbed runs when there are any (background CPU from other
        # processes makes a run slower for reasons that have nothing to do with the target)
        rs = [r for r in all_rs if r["bg"] <= BG_LIMIT] or all_rs
        cpu10k = [None if r["cpu_s"] is None or r["requests"] == 0
                  else r["cpu_s"] * 10000 / r["requests"] for r in rs]
        agg[t] = {
            "n": len(rs),
            "rps": median_or_none([r["rps"] for r in rs]),
            "rps_all": [(r["rps"], r["bg"]) for r in all_rs],
            "p50": median_or_none([r["p50"] for r in rs]),
            "p90": median_or_none([r["p90"] for r in rs]),
            "p99": median_or_none([r["p99"] for r in rs]),
            "cpu10k": median_or_none(cpu10k),
            # share of one core the proxy used during the run (cpu s / wall s)
            "util": median_or_none([None if r["cpu_s"] is None else r["cpu_s"] * r["rps"] / r["requests"]
                                    if r["requests"] else None for r in rs]),
            "bg": [r["bg"] for r in all_rs],
            "pcore": median_or_none([r["pcore"] for r in rs]),
            "load": median_or_none([r["load"] for r in rs]),
            "errors": sum(r["errors"] for r in all_rs),
            "non2xx": sum(r["non2xx"] for r in all_rs),
        }
    return agg


def write(raw, meta_path, results):
    with open(meta_path) as f:
        meta = json.load(f)
    rows = load_rows(raw)
    targets = meta["targets"]          # [{"id": "nginx", "label": "...", "rss_kb": 1234|null}, ...]
    ids = [t["id"] for t in targets]
    label = {t["id"]: t["label"] for t in targets}
    rss = {t["id"]: t.get("rss_kb") for t in targets}
    L = []
    L.append(START)
    L.append("## HTTP/1.1 proxying: meshproxy vs nginx vs HAProxy (bench/run.sh)")
    L.append("")
    if meta.get("mesh_mode") != "http":
        L.append("> **meshproxy ran in tcp_proxy mode.** It did not use the HTTP")
        L.append("> connection-manager bootstrap (`bench/meshproxy-http.yaml`), so the meshproxy row is an L4")
        L.append("> byte relay (`envoy.filters.network.tcp_proxy`, one upstream connection per downstream")
        L.append("> connection, no HTTP parsing), which is *not* comparable to the L7 nginx/HAProxy rows.")
        L.append("> It only validates the harness end to end. Re-run `bench/run.sh` once HTTP lands.")
        if meta.get("mesh_http_error"):
            L.append(">")
            L.append(f"> Why: `{meta['mesh_http_error']}`")
        L.append("")
    disturbed = [r for r in rows if r["bg"] > BG_LIMIT]
    groups = {(r["conns"], r["target"]) for r in rows}
    all_bad = sorted({g for g in groups if all(r["bg"] > BG_LIMIT for r in rows if (r["conns"], r["target"]) == g)})
    if all_bad:
        L.append(f"> **Disturbed run:** other processes used up to {max(r['bg'] for r in disturbed):.2f} cores of "
                 f"{meta['nproc']} (e.g. a compile on this shared machine) during every run of "
                 + ", ".join(f"{t} -c{c}" for c, t in all_bad) +
                 "; treat those figures as noise and re-run on a quiet machine (`WAIT_IDLE=600 bench/run.sh`).")
        L.append("")
    elif disturbed:
        L.append(f"> Note: {len(disturbed)} of {len(rows)} runs stayed disturbed by other processes (up to "
                 f"{max(r['bg'] for r in disturbed):.2f} cores) even after re-measuring; they are marked * below "
                 "and left out of the medians.")
        L.append("")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- Date: {meta['date']}")
    L.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu_model']}, Linux {meta['kernel']}; "
             f"load average before/after: {meta['load_before']} / {meta['load_after']}")
    L.append(f"- Versions: {meta['nginx_version']}; {meta['haproxy_version']}; {meta['wrk_version']}; "
             f"{meta['meshproxy_version']} (`{meta['meshproxy_bin']}`; source tree at {meta.get('git_rev', '?')})")
    L.append(f"- Load: `wrk -t1 -c<N> -d{meta['duration']}s --latency http://127.0.0.1:<port>/`, "
             f"{meta['rounds']} round(s) per connection count, targets interleaved "
             f"({' '.join(ids)}) {meta['rounds']}× after one {meta['warmup']} s warm-up per target "
             f"(at -c{meta['conns'][0]}, before the first measurement); "
             "every figure is the median over the rounds.")
    L.append("- Origin: nginx, 1 worker, `return 200` with a 100-byte body, keepalive_requests 1000000. "
             "nginx proxy: 1 worker, upstream keepalive 64, HTTP/1.1 upstream. HAProxy: nbthread 1, "
             "`http-reuse always`, `option http-keep-alive`. meshproxy: `--concurrency 1`, log level error, "
             "no access log.")
    L.append(f"- CPU pinning: {meta['pinning']}")
    L.append("- CPU s/10k req: utime+stime of the proxy process (all threads; for nginx master+worker) "
             "from /proc/PID/stat, read before and after each wrk run, × 10000 / requests completed. "
             "Proxy CPU (cores): the same CPU time / wall time of the run (1.00 = one full core). "
             "Proxy's / wrk's core busy: share of that pinned core that was busy during the run, from "
             "/proc/stat (includes everything else pinned there and softirq); ~1.00 marks the bottleneck. "
             "Background CPU: machine busy time (/proc/stat) minus that of the benchmark's own "
             "processes; approximate (tick-sampled), ~0.0–0.2 on an idle machine. "
             "Peak RSS: VmHWM from /proc/PID/status after all runs (nginx: the worker; its "
             "master is not counted).")
    L.append("")
    for conns in meta["conns"]:
        agg = aggregate(rows, ids, conns)
        L.append(f"### -c{conns}")
        L.append("")
        L.append("| target | req/s | p50 | p90 | p99 | CPU s/10k req | proxy CPU (cores) | proxy's core busy | wrk's core busy | peak RSS |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for t in ids:
            a = agg.get(t)
            if not a:
                L.append(f"| {label[t]} | (no data) | | | | | | | | |")
                continue
            cpu = "-" if a["cpu10k"] is None else f"{a['cpu10k']:.3f}"
            util = "-" if a["util"] is None else f"{a['util']:.2f}"
            r = "-" if rss[t] is None else f"{rss[t] / 1024:.1f} MiB"
            load = "-" if a["load"] is None else f"{a['load']:.2f}"
            pcore = "-" if a["pcore"] is None else f"{a['pcore']:.2f}"
            L.append(f"| {label[t]} | {a['rps']:,.0f} | {fmt_us(a['p50'])} | {fmt_us(a['p90'])} | "
                     f"{fmt_us(a['p99'])} | {cpu} | {util} | {pcore} | {load} | {r} |")
        L.append("")
        L.append(f"Per-round req/s (* = disturbed: more than {BG_LIMIT:.2f} cores of background CPU during that "
                 "run, even after re-measuring; left out of the medians when the target has undisturbed runs): " + "; ".join(
            f"{t} " + " / ".join(f"{v:,.0f}{'*' if bg > BG_LIMIT else ''}" for v, bg in agg[t]["rps_all"])
            for t in ids if t in agg) + ".")
        capped = [t for t in ids if t in agg and t != "direct" and agg[t]["load"] is not None
                  and agg[t]["load"] >= 0.95]
        if capped:
            L.append("")
            L.append(f"**Load-bound:** wrk's core{' (shared with the origin)' if meta.get('pin_layout') == 'split' else ''}"
                     f" was ≥95% busy for " + ", ".join(capped) +
                     "; for those rows req/s (and latency) is the load side's ceiling, not the proxy's. "
                     "Compare CPU s/10k req instead"
                     + (", or use the default `PIN_LAYOUT=origin-with-proxy`." if meta.get('pin_layout') == 'split' else "."))
        bgs = [b for t in ids if t in agg for b in agg[t]["bg"]]
        if bgs:
            L.append("")
            L.append(f"Background CPU (processes outside the benchmark) during these runs: median "
                     f"{statistics.median(bgs):.2f}, max {max(bgs):.2f} cores.")
        bad = [f"{t}: {agg[t]['errors']} socket errors, {agg[t]['non2xx']} non-2xx"
               for t in ids if t in agg and (agg[t]["errors"] or agg[t]["non2xx"])]
        if bad:
            L.append("")
            L.append("**wrk reported errors:** " + "; ".join(bad) + ".")
        L.append("")
        m = agg.get("meshproxy")
        L.append(f"Ratios at -c{conns} (meshproxy{'' if meta.get('mesh_mode') == 'http' else ' in tcp_proxy mode'}"
                 " / other; req/s higher is better, p99 and CPU lower is better):")
        L.append("")
        L.append("| ratio | req/s | p99 | CPU s/10k req |")
        L.append("|---|---:|---:|---:|")
        for other in ("nginx", "haproxy"):
            o = agg.get(other)
            if not m or not o:
                L.append(f"| meshproxy/{other} | - | - | - |")
                continue
            L.append(f"| meshproxy/{other} | {fmt_ratio(m['rps'], o['rps'])} | "
                     f"{fmt_ratio(m['p99'], o['p99'])} | {fmt_ratio(m['cpu10k'], o['cpu10k'])} |")
        # same-round ratios: both runs of a pair saw the same machine conditions, so their median
        # is less sensitive to drift between rounds than the ratio of medians above
        pr = []
        for other in ("nginx", "haproxy"):
            vals = []
            for rnd in sorted({r["round"] for r in rows if r["conns"] == conns}):
                a = [r for r in rows if r["conns"] == conns and r["round"] == rnd and r["target"] == "meshproxy"]
                b = [r for r in rows if r["conns"] == conns and r["round"] == rnd and r["target"] == other]
                if a and b and a[0]["rps"] and b[0]["rps"] and a[0]["bg"] <= BG_LIMIT and b[0]["bg"] <= BG_LIMIT:
                    vals.append((a[0]["rps"] / b[0]["rps"], a[0]["p99"] / b[0]["p99"]))
            if vals:
                pr.append(f"meshproxy/{other} req/s " + " / ".join(f"{v[0]:.2f}" for v in vals) +
                          f" (median {statistics.median(v[0] for v in vals):.2f}), p99 " +
                          " / ".join(f"{v[1]:.2f}" for v in vals) +
                          f" (median {statistics.median(v[1] for v in vals):.2f})")
        if pr:
            L.append("Same-round ratios (undisturbed pairs only): " + "; ".join(pr) + ".")
            L.append("")
    # the acceptance target, evaluated on the -c50 medians
    agg50 = aggregate(rows, ids, 50)
    m, n = agg50.get("meshproxy"), agg50.get("nginx")
    if m and n:
        ok_rps = m["rps"] >= 1.2 * n["rps"]
        ok_p99 = m["p99"] <= n["p99"]
        ok_cpu = m["cpu10k"] is not None and n["cpu10k"] is not None and m["cpu10k"] <= n["cpu10k"]
        yn = lambda b: "met" if b else "NOT met"
        note = "" if meta.get("mesh_mode") == "http" else " (tcp_proxy mode: not meaningful)"
        L.append(f"Target{note}: req/s ≥ 1.2× nginx at -c50: {yn(ok_rps)} ({fmt_ratio(m['rps'], n['rps'])}); "
                 f"p99 ≤ nginx's: {yn(ok_p99)} ({fmt_us(m['p99'])} vs {fmt_us(n['p99'])}); "
                 f"CPU/10k req ≤ nginx's: {yn(ok_cpu)} ({fmt_ratio(m['cpu10k'], n['cpu10k'])}).")
        L.append("")
    L.append("<details><summary>Raw per-run data (input of <code>bench/report.py</code>)</summary>")
    L.append("")
    L.append("```")
    with open(raw) as f:
        L.extend(line.rstrip("\n") for line in f if line.strip())
    L.append("```")
    L.append("</details>")
    L.append("")
    L.append(END)
    section = "\n".join(L) + "\n"

    replace_section(results, section, START, END)


def replace_section(results, section, start, end):
    """Put SECTION (which begins with START and ends with END) into the RESULTS file in place of
    the old one between those markers, or append it; the rest of the file is kept."""
    try:
        with open(results) as f:
            old = f.read()
    except FileNotFoundError:
        old = "# meshproxy benchmarks\n\nMeasured with the scripts in `bench/`; never asserted in tests.\n\n"
    if start in old and end in old and old.index(start) < old.index(end):
        new = old[:old.index(start)] + section.rstrip("\n") + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    with open(results, "w") as f:
        f.write(new)


def main(argv):
    if len(argv) >= 2 and argv[1] == "parse-wrk":
        with open(argv[2]) as f:
            d = parse_wrk(f.read())
        print(f"{d['rps']} {d['p50']} {d['p90']} {d['p99']} {d['requests']} {d['errors']} {d['non2xx']}")
        return 0
    if len(argv) >= 2 and argv[1] == "write":
        args = dict(zip(argv[2::2], argv[3::2]))
        write(args["--raw"], args["--meta"], args["--results"])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
