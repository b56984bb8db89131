#!/usr/bin/env python3
"""Writes the TLS section of bench/RESULTS.md for bench/tls_run.sh (stdlib only).

  tls_report.py --raw RAW.tsv --resumption RES.txt --meta META.json --results bench/RESULTS.md

RAW.tsv: bench/run.sh's per-run columns with a leading scenario column (term, orig, hs). RES.txt: "scenario round handshakes session_reused" from meshproxy's listener stats
around each of its runs. The section between the tls-bench markers is replaced; the rest of
the file is kept.
"""
import json
import statistics
import sys

from report import BG_LIMIT, aggregate, fmt_ratio, fmt_us, replace_section, row_from_fields

START = "<!-- tls-bench:start -->"
END = "<!-- tls-bench:end -->"

TITLES = {
    "term": "TLS termination (wrk → https → proxy → plaintext origin, keep-alive)",
    "orig": "mTLS origination (wrk → http → proxy → mTLS → origin with ssl_verify_client on, keep-alive upstream)",
    "hs": "New TLS handshakes/s (`Connection: close`, each request a new TLS connection)",
}
HANDSHAKES = ("hs",)


def load(raw):
    by_sc = {}
    with open(raw) as f:
        for line in f:
            p = line.split()
            if not p or p[0] == "scenario":
                continue
            by_sc.setdefault(p[0], []).append(row_from_fields(p[1:]))
    return by_sc


def write(raw, resumption, meta_path, results):
    with open(meta_path) as f:
        meta = json.load(f)
    by_sc = load(raw)
    res = {}
    with open(resumption) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                res.setdefault(p[0], []).append((int(p[2]), int(p[3])))
    ids = ["nginx", "meshproxy"]
    nginx_v = meta["nginx_version"].split("/")[-1]
    label = {"nginx": f"nginx {nginx_v}", "meshproxy": "meshproxy"}
    rows_all = [r for rs in by_sc.values() for r in rs]
    L = [START, "## TLS: meshproxy vs nginx (bench/tls_run.sh)", ""]
    bgs = [r["bg"] for r in rows_all]
    disturbed = [b for b in bgs if b > BG_LIMIT]
    if bgs and len(disturbed) == len(bgs):
        L.append(f"> **Disturbed run:** other processes (compiles on this shared 2-core machine) used "
                 f"{min(bgs):.2f}–{max(bgs):.2f} cores during every run, so the medians include that noise; "
                 "absolute numbers are low and ratios are rough. Re-run on a quiet machine: "
                 "`WAIT_IDLE=600 bench/tls_run.sh`.")
        L.append("")
    elif disturbed:
        L.append(f"> Note: {len(disturbed)} of {len(bgs)} runs were disturbed by other processes (up to "
                 f"{max(disturbed):.2f} cores) even after re-measuring; marked * below and left out of the "
                 "medians where the target has undisturbed runs. Other engineers were compiling on this 2-core "
                 "machine; re-run when it is idle: `WAIT_IDLE=600 bench/tls_run.sh`.")
        L.append("")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- Date: {meta['date']}")
    L.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu_model']}, Linux {meta['kernel']}; "
             f"load average before/after: {meta['load_before']} / {meta['load_after']}; background CPU "
             f"(processes outside the benchmark) before measuring: {meta['bg_start']:.2f} cores")
    L.append(f"- Versions: {meta['nginx_version']} ({meta['nginx_openssl']}); {meta['openssl_version']}; "
             f"{meta['wrk_version']}; {meta['meshproxy_version']} (`{meta['meshproxy_bin']}`; source tree at "
             f"{meta['git_rev']})")
    L.append(f"- Negotiated with `openssl s_client` on the termination port: nginx {meta['negotiated']['nginx']}; "
             f"meshproxy {meta['negotiated']['meshproxy']}.")
    L.append("- Certificates: one EC P-256 CA made by the script with openssl; server cert (DNS "
             "origin.bench, localhost, IP 127.0.0.1) used by both proxies and the origin; client cert "
             "(URI SAN spiffe://bench.local/ns/bench/sa/client) presented by both proxies to the origin, "
             "which has `ssl_verify_client on`. Both proxies verify the origin's chain against the CA and "
             "its name origin.bench (nginx `proxy_ssl_verify on` + `proxy_ssl_name`; meshproxy "
             "`trusted_ca` + `match_typed_subject_alt_names` DNS + `sni`). TLS 1.2–1.3 allowed everywhere.")
    L.append("- nginx proxy: 1 worker, upstream keepalive 64, `proxy_ssl_session_reuse on`, defaults "
             "otherwise (session tickets on). meshproxy: `--concurrency 1`, log level error, no access log, "
             "HTTP connection manager + router. Origin: nginx, 1 worker, "
             "`return 200` with a 100-byte body.")
    L.append(f"- Load: `wrk -t1 -c{meta['conns']} -d{meta['duration']}s --latency https://127.0.0.1:<port>/` "
             f"(orig: `http://`), handshakes: `wrk -t1 -c{meta['hs_conns']} -d{meta['duration']}s --latency "
             f"-H 'Connection: close' https://…`; per scenario one {meta['warmup']} s warm-up per target, then "
             f"{meta['rounds']} round(s) with targets interleaved (nginx meshproxy); figures are medians over "
             "the rounds.")
    L.append(f"- CPU pinning: {meta['pinning']}")
    L.append("- CPU s/10k req (and ms/handshake): utime+stime of the proxy (nginx master+worker) from "
             "/proc/PID/stat around each run ÷ requests completed. Core busy columns: /proc/stat share of "
             "the proxy's core (shared with the origin) and of wrk's core; ~1.00 marks the bottleneck. "
             "Background: machine busy time minus the benchmark's own processes, in cores.")
    L.append("")
    summary = {}
    for sc in meta["scenarios"]:
        rows = by_sc.get(sc, [])
        if not rows:
            continue
        conns = rows[0]["conns"]
        agg = aggregate(rows, ids, conns)
        hs = sc in HANDSHAKES
        L.append(f"### {sc}: {TITLES.get(sc, sc)}, -c{conns}")
        L.append("")
        unit = "handshakes/s (= req/s)" if hs else "req/s"
        cpu_h = "CPU ms/handshake" if hs else "CPU s/10k req"
        L.append(f"| target | {unit} | p50 | p90 | p99 | {cpu_h} | proxy CPU (cores) | proxy's core busy | wrk's core busy | background (cores) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for t in ids:
            a = agg.get(t)
            if not a:
                L.append(f"| {label[t]} | (no data) | | | | | | | | |")
                continue
            cpu = "-" if a["cpu10k"] is None else (f"{a['cpu10k'] / 10:.3f}" if hs else f"{a['cpu10k']:.3f}")
            util = "-" if a["util"] is None else f"{a['util']:.2f}"
            pc = "-" if a["pcore"] is None else f"{a['pcore']:.2f}"
            ld = "-" if a["load"] is None else f"{a['load']:.2f}"
            L.append(f"| {label[t]} | {a['rps']:,.0f} | {fmt_us(a['p50'])} | {fmt_us(a['p90'])} | "
                     f"{fmt_us(a['p99'])} | {cpu} | {util} | {pc} | {ld} | {statistics.median(a['bg']):.2f} |")
        L.append("")
        L.append("Per-round: " + "; ".join(
            f"{t} " + " / ".join(f"{v:,.0f}{'*' if bg > BG_LIMIT else ''}" for v, bg in agg[t]["rps_all"])
            for t in ids if t in agg) + f" (* = more than {BG_LIMIT:.2f} cores of background CPU).")
        m, n = agg.get("meshproxy"), agg.get("nginx")
        if m and n:
            L.append("")
            L.append(f"meshproxy/nginx: {'handshakes/s' if hs else 'req/s'} {fmt_ratio(m['rps'], n['rps'])}, "
                     f"p99 {fmt_ratio(m['p99'], n['p99'])}, CPU per request {fmt_ratio(m['cpu10k'], n['cpu10k'])}.")
            pairs = []
            for rnd in sorted({r["round"] for r in rows}):
                a = [r for r in rows if r["round"] == rnd and r["target"] == "meshproxy"]
                b = [r for r in rows if r["round"] == rnd and r["target"] == "nginx"]
                if a and b and b[0]["rps"]:
                    pairs.append(a[0]["rps"] / b[0]["rps"])
            summary[sc] = (m, n, statistics.median(pairs) if pairs else None)
            if pairs:
                L.append(f"Same-round req/s ratios: {' / '.join(f'{p:.2f}' for p in pairs)} "
                         f"(median {statistics.median(pairs):.2f}).")
        errs = [f"{t}: {agg[t]['errors']} socket errors, {agg[t]['non2xx']} non-2xx"
                for t in ids if t in agg and (agg[t]["errors"] or agg[t]["non2xx"])]
        if errs:
            L.append("")
            L.append("**wrk reported errors:** " + "; ".join(errs) + ".")
        capped = [label[t] for t in ids if t in agg and agg[t]["load"] is not None and agg[t]["load"] >= 0.95]
        if capped:
            L.append("")
            L.append("**Load-bound:** wrk's core was ≥95% busy (wrk's TLS work" +
                     (", its side of every handshake," if hs else "") + " plus whatever else ran there) for " +
                     ", ".join(capped) + ": the rate is (partly) the load side's ceiling, so compare the CPU per " +
                     ("handshake" if hs else "request") + " column.")
        if hs and res.get(sc):
            h = sum(x[0] for x in res[sc])
            s = sum(x[1] for x in res[sc])
            L.append("")
            L.append(f"meshproxy listener stats over its runs: {h:,} handshakes, {s:,} resumed "
                     f"({100 * s / h if h else 0:.0f}%): wrk resumes its previous connection's session, so "
                     "these are resumed TLS 1.3 handshakes (PSK + ECDHE, no certificate signature) on both "
                     "servers (nginx issues session tickets by default). A full-handshake comparison needs "
                     "meshproxy to support `disable_stateful_session_resumption` (not yet; it keeps a server "
                     "session cache even with `disable_stateless_session_resumption`).")
        L.append("")
    # Met only when the ratio of medians and the median of same-round ratios agree: with disturbed
    # runs left out the medians may come from different rounds, the same-round pairs do not.
    parts = []
    for sc in ("term", "orig", "hs"):
        if sc in summary:
            m, n, paired = summary[sc]
            ratio = m["rps"] / n["rps"]
            verdict = ("met" if ratio >= 1 and (paired is None or paired >= 1) else
                       "NOT met" if ratio < 1 and (paired is None or paired < 1) else "unclear")
            parts.append(f"{sc} {verdict} ({ratio:.2f}× by medians"
                         + (f", {paired:.2f}× median same-round ratio" if paired is not None else "") + ")")
    if parts:
        L.append("Target (meshproxy ≥ nginx on req/s and on handshakes/s): " + "; ".join(parts) + ".")
        L.append("")
    rss = meta.get("rss_kb", {})
    if rss:
        L.append(f"Peak RSS after all runs (VmHWM): nginx worker {rss['nginx'] / 1024:.1f} MiB, "
                 f"meshproxy {rss['meshproxy'] / 1024:.1f} MiB.")
        L.append("")
    L.append("<details><summary>Raw per-run data</summary>")
    L.append("")
    L.append("```")
    with open(raw) as f:
        L.extend(line.rstrip("\n") for line in f if line.strip())
    L.append("```")
    L.append("</details>")
    L.append("")
    L.append(END)
    replace_section(results, "\n".join(L) + "\n", START, END)


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))
    try:
        write(args["--raw"], args["--resumption"], args["--meta"], args["--results"])
    except KeyError:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
