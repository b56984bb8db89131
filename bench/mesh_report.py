#!/usr/bin/env python3
"""Writes the "Mesh path" section of bench/RESULTS.md for bench/mesh_run.sh (stdlib only).

  mesh_report.py --raw RAW.tsv --meta META.json --results bench/RESULTS.md

RAW.tsv: one line per measured run (header line first): kind (fixed|sat) conns round target
rps p50_us p90_us p99_us p999_us u_p50_us u_p90_us u_p99_us completed errors non2xx
client_cpu_s server_cpu_s wall_s bg_cores client_rss_kb server_rss_kb ("-" where not
applicable: no sidecar CPU for direct, no p99.9 or uncorrected latency from wrk). The section
between the mesh-bench markers is replaced; the rest of the file is kept.
"""
import json
import statistics
import sys

from report import BG_LIMIT, fmt_ratio, fmt_us, replace_section

START = "<!-- mesh-bench:start -->"
END = "<!-- mesh-bench:end -->"

LABEL = {
    "direct": "direct (no sidecars)",
    "nginx": "nginx {v} as both sidecars",
    "meshproxy": "meshproxy",
    "meshproxy-log": "meshproxy + access logs (both sidecars)",
    "meshproxy-prom": "meshproxy + Prometheus scrape every {s} s",
}
ORDER = ["direct", "nginx", "meshproxy", "meshproxy-log", "meshproxy-prom"]

# Published figures, with what differs from this setup (see the section's text).
PUBLISHED = [
    ("Istio 1.24 (Envoy sidecar)", "0.20 vCPU per sidecar", "60 MB per sidecar", "–",
     "[istio.io, Performance and Scalability, 1.24](https://istio.io/v1.24/docs/ops/deployment/performance-and-scalability/): "
     "1000 HTTP req/s with 1 KB payloads through one sidecar with 2 worker threads"),
    ("Istio 1.20 (two Envoy sidecars)", "–", "–", "+0.228 ms p90, +0.298 ms p99",
     "[istio.io, Performance and Scalability, 1.20](https://istio.io/v1.20/docs/ops/deployment/performance-and-scalability/): "
     "1000 req/s, 16 client connections, HTTP/1.1, mTLS, 1 KB payload, 2 proxy workers, "
     "client → client sidecar → server sidecar → server vs client → server"),
    ("Linkerd 2.11 vs Istio 1.12 (2021 benchmark)", "–",
     "linkerd2-proxy 17.8–26.3 MB max; Envoy 154–156 MB max", "–",
     "[linkerd.io, Benchmarking Linkerd and Istio: 2021 Redux](https://linkerd.io/2021/11/29/linkerd-vs-istio-benchmarks-2021/): "
     "Kinvolk's harness on the emojivoto app (HTTP and gRPC), 20/200/2000 req/s, maximum proxy memory"),
]


def num(x):
    return None if x in ("-", "") else float(x)


def load(raw):
    rows = []
    with open(raw) as f:
        header = f.readline().split()
        for line in f:
            p = line.split()
            if len(p) != len(header):
                continue
            r = dict(zip(header, p))
            for k in header:
                if k not in ("kind", "target"):
                    r[k] = num(r[k])
            r["conns"] = int(r["conns"])
            r["round"] = int(r["round"])
            rows.append(r)
    return rows


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def good(rs):
    """The undisturbed runs if there are any (other processes' CPU slows a run for reasons that
    have nothing to do with the target), else all."""
    return [r for r in rs if r["bg_cores"] <= BG_LIMIT] or rs


def vcpu(r, side):
    cpu = r[f"{side}_cpu_s"]
    return None if cpu is None or not r["wall_s"] else cpu / r["wall_s"]


def fmt_cores(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def fmt_num(x, spec, suffix=""):
    return "-" if x is None else format(x, spec) + suffix


def fmt_mb(kb):
    return "-" if kb is None else f"{kb / 1024:.1f} MiB"


def fmt_delta_us(us):
    if us is None:
        return "-"
    sign = "+" if us >= 0 else "−"
    return sign + fmt_us(abs(us))


def added(rows, kind, conns, target, key, rounds):
    """Median over the given rounds of target's percentile minus direct's in the same round."""
    out = []
    for r in rows:
        if r["kind"] != kind or r["conns"] != conns or r["target"] != target or r["round"] not in rounds:
            continue
        d = [x for x in rows if x["kind"] == kind and x["conns"] == conns and x["target"] == "direct"
             and x["round"] == r["round"]]
        if d and r[key] is not None and d[0][key] is not None:
            out.append(r[key] - d[0][key])
    return med(out)


def per_target(rows, kind, conns):
    out = {}
    for t in ORDER:
        rs = [r for r in rows if r["kind"] == kind and r["conns"] == conns and r["target"] == t]
        if not rs:
            continue
        g = good(rs)
        a = {k: med([r[k] for r in g]) for k in ("rps", "p50_us", "p90_us", "p99_us", "p999_us",
                                                  "u_p50_us", "u_p99_us", "client_rss_kb", "server_rss_kb")}
        a["client_vcpu"] = med([vcpu(r, "client") for r in g])
        a["server_vcpu"] = med([vcpu(r, "server") for r in g])
        both = [None if vcpu(r, "client") is None else vcpu(r, "client") + vcpu(r, "server") for r in g]
        a["both_vcpu"] = med(both)
        a["us_per_req"] = med([None if b is None or not r["rps"] else b / r["rps"] * 1e6 for b, r in zip(both, g)])
        a["rps_per_core"] = med([None if not b else r["rps"] / b for b, r in zip(both, g)])
        a["errors"] = sum(r["errors"] for r in rs)
        a["non2xx"] = sum(r["non2xx"] for r in rs)
        a["bg"] = [r["bg_cores"] for r in rs]
        a["disturbed"] = all(r["bg_cores"] > BG_LIMIT for r in rs)
        for key in ("p50_us", "p90_us", "p99_us"):
            a["added_" + key] = None if t == "direct" else added(rows, kind, conns, t, key, {r["round"] for r in g})
        out[t] = a
    return out


def label(t, meta):
    return LABEL[t].format(v=meta["nginx_version"].split("/")[-1], s=meta["scrape_interval"])


def write(raw, meta_path, results):
    with open(meta_path) as f:
        meta = json.load(f)
    rows = load(raw)
    conns = sorted({r["conns"] for r in rows})
    bgs = [r["bg_cores"] for r in rows]
    disturbed = [b for b in bgs if b > BG_LIMIT]
    rate = meta["rate"]
    L = [START, "## Mesh path: two sidecars over mTLS, the way Istio publishes its figures (bench/mesh_run.sh)", ""]
    if disturbed:
        L.append(f"> **Preliminary.** {len(disturbed)} of {len(bgs)} runs were disturbed: other processes on this "
                 f"shared 2-core machine (other engineers compiling) used up to {max(bgs):.2f} cores while they ran "
                 f"(median over all runs {statistics.median(bgs):.2f}; background CPU before measuring "
                 f"{meta['bg_start']:.2f} cores). CPU per sidecar is measured per process and is the least "
                 "affected figure; latencies and saturation req/s are. To be re-run on an idle machine with "
                 "`WAIT_IDLE=900 bench/mesh_run.sh`.")
        L.append("")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- Date: {meta['date']}; source tree at {meta['git_rev']}")
    L.append(f"- Machine: {meta['nproc']} CPUs, {meta['cpu_model']}, Linux {meta['kernel']}; load average "
             f"before/after: {meta['load_before']} / {meta['load_after']}")
    L.append(f"- Versions: {meta['meshproxy_version']}; {meta['nginx_version']}; {meta['openssl_version']}; "
             f"{meta['wrk_version']}; load generator `bench/tools/fixed-rate-load`")
    L.append("- Path: load client → client sidecar (outbound, plaintext HTTP/1.1 on loopback) → mutual TLS → "
             "server sidecar (inbound) → origin (nginx, 1 worker, `return 200` with a "
             f"{meta['body_size']}-byte body). Every request is a POST with a {meta['body_size']}-byte body; "
             "keep-alive everywhere (client, between the sidecars, to the origin). All on one host over "
             "loopback (server sidecars on 127.0.0.2–4, the service's \"pod IPs\"), nothing pinned; no "
             "iptables capture (the client calls the outbound listener's address directly).")
    L.append(f"- meshproxy sidecars: `--concurrency {meta['concurrency']}`, log level error, configured only by "
             "mesh-control: a `mesh.yaml` (`mtls: STRICT`, the service `app` with its endpoint) generates the "
             "outbound cluster (mTLS, SAN must be `spiffe://cluster.local/ns/default/sa/app`), the inbound chain "
             "(mTLS, `require_client_certificate`, any SPIFFE ID of the trust domain, XFCC `SANITIZE_SET`) and the "
             "inbound cluster (to 127.0.0.1, bound to 127.0.0.6); mesh-control's CA issues both workload "
             "certificates (EC P-256) over SDS. Each node's directory replaces the two capture listeners "
             "(`virtualOutbound`, `virtualInbound`) by name with loopback-bound copies of the same chains, "
             "since there is no iptables redirect. The script checks that the origin sees "
             "`URI=spiffe://cluster.local/ns/default/sa/client` from 127.0.0.6 and that plaintext to the "
             "server sidecar is refused.")
    L.append(f"- nginx sidecars: {meta['nginx_version']}, `worker_processes {meta['concurrency']}`; client side "
             "`proxy_pass https://` with `proxy_ssl_certificate` (a client certificate signed by mesh-control's "
             "root, URI SAN `…/sa/client`), `proxy_ssl_verify on` against the root and the DNS name "
             "`app.default.svc.cluster.local` (nginx cannot match a SPIFFE URI SAN), `proxy_ssl_session_reuse on`; "
             "server side `ssl_verify_client on` against the same root (chain only, no SAN check), sets an "
             "`x-forwarded-client-cert` header from the client's subject; both with HTTP/1.1 keep-alive "
             "upstreams (`keepalive 128`).")
    L.append(f"- TLS between the sidecars (server side, as negotiated with an OpenSSL client presenting a mesh "
             f"certificate): meshproxy {meta['negotiated']['meshproxy']}; nginx {meta['negotiated']['nginx']}.")
    L.append(f"- Load: **fixed rate** {rate} req/s with `fixed-rate-load` (libuv; open loop: requests are "
             "scheduled at the rate, round-robin over the keep-alive connections, and a request waits if its "
             "connection is busy; latency is measured from the request's *intended* send time, so stalls are "
             "not hidden — coordinated omission corrected, as in wrk2); **saturation** with `wrk -t1` (closed "
             f"loop, same POST). {meta['duration']} s measured per run after {meta['warmup']} s of warm-up, "
             f"{meta['rounds']} round(s), targets interleaved per (load, connections, round); medians over rounds.")
    L.append("- vCPU: utime+stime of the sidecar's processes (all threads; nginx master + workers) from "
             "/proc/PID/stat, sampled inside the measured window, ÷ wall time. RSS: VmRSS (nginx: summed over "
             "master and workers, so shared pages count more than once) sampled at the end of the window; peak = "
             "VmHWM after all runs. Added latency: the target's percentile minus direct's in the same round. "
             "Background: machine busy time (/proc/stat) minus the benchmark's own processes and the load "
             "generator, in cores; a run above "
             f"{BG_LIMIT} is disturbed (*) and re-measured within the WAIT_IDLE budget.")
    L.append("")

    fixed = {c: per_target(rows, "fixed", c) for c in conns}
    sat = {c: per_target(rows, "sat", c) for c in conns}

    L.append(f"### {rate} req/s, fixed rate (latency from the intended send time)")
    L.append("")
    for c in conns:
        agg = fixed[c]
        if not agg:
            continue
        L.append(f"**{c} connections**")
        L.append("")
        L.append("| target | req/s | p50 | p90 | p99 | p99.9 | added p50 | added p90 | added p99 | client sidecar vCPU | "
                 "server sidecar vCPU | client RSS | server RSS | errors | background |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for t, a in agg.items():
            star = "*" if a["disturbed"] else ""
            L.append(f"| {label(t, meta)}{star} | {a['rps']:,.0f} | {fmt_us(a['p50_us'])} | {fmt_us(a['p90_us'])} | "
                     f"{fmt_us(a['p99_us'])} | {fmt_us(a['p999_us'])} | {fmt_delta_us(a['added_p50_us'])} | "
                     f"{fmt_delta_us(a['added_p90_us'])} | {fmt_delta_us(a['added_p99_us'])} | "
                     f"{fmt_cores(a['client_vcpu'])} | {fmt_cores(a['server_vcpu'])} | {fmt_mb(a['client_rss_kb'])} | "
                     f"{fmt_mb(a['server_rss_kb'])} | {a['errors'] + a['non2xx']:.0f} | "
                     f"{' / '.join(f'{b:.2f}' for b in a['bg'])} |")
        if "direct" in agg:
            d = agg["direct"]
            L.append("")
            L.append(f"Uncorrected latency (from the actual send, as fortio reports it), direct: p50 "
                     f"{fmt_us(d['u_p50_us'])}, p99 {fmt_us(d['u_p99_us'])}" +
                     "".join(f"; {t}: p50 {fmt_us(a['u_p50_us'])}, p99 {fmt_us(a['u_p99_us'])}"
                             for t, a in agg.items() if t != "direct") + ".")
        L.append("")

    L.append("### Saturation (wrk, closed loop)")
    L.append("")
    L.append("| target | connections | req/s | p50 | p99 | sidecar CPU, both (cores) | CPU per request, both sidecars | "
             "req/s per sidecar core | errors | background |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in conns:
        for t, a in sat[c].items():
            star = "*" if a["disturbed"] else ""
            L.append(f"| {label(t, meta)}{star} | {c} | {a['rps']:,.0f} | {fmt_us(a['p50_us'])} | {fmt_us(a['p99_us'])} | "
                     f"{fmt_cores(a['both_vcpu'], 2)} | {fmt_num(a['us_per_req'], '.1f', ' µs')} | "
                     f"{fmt_num(a['rps_per_core'], ',.0f')} | "
                     f"{a['errors'] + a['non2xx']:.0f} | {' / '.join(f'{b:.2f}' for b in a['bg'])} |")
    L.append("")

    L.append("### Memory and idle CPU per sidecar (client / server)")
    L.append("")
    L.append("| sidecar | vCPU with no traffic | RSS idle, after start | RSS at " + f"{rate} req/s, " +
             ", ".join(f"-c{c}" for c in conns) + " | peak RSS over all runs (VmHWM) |")
    L.append("|---|---:|---:|---:|---:|")
    for t in ("meshproxy", "meshproxy-log", "nginx"):
        if not any(t in fixed[c] for c in conns) and t not in meta["rss_peak_kb"]:
            continue
        idle = meta["rss_idle_kb"].get(t)
        peak = meta["rss_peak_kb"].get(t)
        steady = "; ".join(f"{fmt_mb(fixed[c][t]['client_rss_kb'])} / {fmt_mb(fixed[c][t]['server_rss_kb'])}"
                           for c in conns if t in fixed[c])
        idle_s = "-" if not idle else fmt_mb(idle[0]) + " / " + fmt_mb(idle[1])
        peak_s = "-" if not peak else fmt_mb(peak[0]) + " / " + fmt_mb(peak[1])
        cpu = meta.get("cpu_idle", {}).get(t)
        cpu_s = "-" if not cpu else f"{cpu[0]:.4f} / {cpu[1]:.4f}"
        L.append(f"| {label(t, meta)} | {cpu_s} | {idle_s} | {steady or '-'} | {peak_s} |")
    L.append("")

    L.append("### meshproxy / nginx as sidecars")
    L.append("")
    L.append("| ratio (lower is better unless noted) | " + " | ".join(f"-c{c}" for c in conns) + " |")
    L.append("|---|" + "---:|" * len(conns))

    def ratio_row(name, fn):
        vals = []
        for c in conns:
            try:
                vals.append(fn(c))
            except (KeyError, TypeError):
                vals.append("-")
        L.append(f"| {name} | " + " | ".join(vals) + " |")

    ratio_row(f"vCPU of both sidecars at {rate} req/s",
              lambda c: fmt_ratio(fixed[c]["meshproxy"]["both_vcpu"], fixed[c]["nginx"]["both_vcpu"]))
    ratio_row(f"added p99 at {rate} req/s",
              lambda c: fmt_ratio(fixed[c]["meshproxy"]["added_p99_us"], fixed[c]["nginx"]["added_p99_us"]))
    ratio_row(f"RSS, client + server, at {rate} req/s",
              lambda c: fmt_ratio(fixed[c]["meshproxy"]["client_rss_kb"] + fixed[c]["meshproxy"]["server_rss_kb"],
                                  fixed[c]["nginx"]["client_rss_kb"] + fixed[c]["nginx"]["server_rss_kb"]))
    ratio_row("saturation req/s (higher is better)",
              lambda c: fmt_ratio(sat[c]["meshproxy"]["rps"], sat[c]["nginx"]["rps"]))
    ratio_row("saturation req/s per sidecar core (higher is better)",
              lambda c: fmt_ratio(sat[c]["meshproxy"]["rps_per_core"], sat[c]["nginx"]["rps_per_core"]))
    L.append("")

    feats = [t for t in ("meshproxy-log", "meshproxy-prom") if any(t in fixed[c] for c in conns)]
    if feats:
        L.append(f"### What the mesh features cost at {rate} req/s (vs the meshproxy row)")
        L.append("")
        L.append("| feature | " + " | ".join(f"-c{c}: Δ vCPU client / server, Δ p99" for c in conns) + " |")
        L.append("|---|" + "---:|" * len(conns))
        for t in feats:
            cells = []
            for c in conns:
                a, m = fixed[c].get(t), fixed[c].get("meshproxy")
                if not a or not m:
                    cells.append("-")
                    continue
                cells.append(f"{a['client_vcpu'] - m['client_vcpu']:+.3f} / {a['server_vcpu'] - m['server_vcpu']:+.3f}, "
                             f"{fmt_delta_us(a['p99_us'] - m['p99_us'])}")
            L.append(f"| {label(t, meta)} | " + " | ".join(cells) + " |")
        L.append("")
        L.append(f"Access logs: Envoy's default text format to a file on each sidecar ({meta['access_log_lines']:,} "
                 f"lines written over the runs). Prometheus: {meta['scrapes']} scrapes of `/stats/prometheus` "
                 f"(largest {meta['scrape_bytes']:,} bytes) by a curl loop standing in for a Prometheus server; "
                 "tracing and Istio's metrics filters are not implemented yet.")
        L.append("")

    L.append("### Targets (issue 20)")
    L.append("")
    L.extend(verdicts(fixed, sat, conns, rate))
    L.append("")

    L.append("### Published figures beside these")
    L.append("")
    L.append("| | CPU at 1000 req/s | memory | latency added by the two sidecars | source and setup |")
    L.append("|---|---|---|---|---|")
    for name, cpu, mem, lat, src in PUBLISHED:
        L.append(f"| {name} | {cpu} | {mem} | {lat} | {src} |")
    c16 = 16 if 16 in conns else conns[0]
    m = fixed[c16].get("meshproxy")
    if m:
        L.append(f"| meshproxy, this run (-c{c16}) | {fmt_cores(m['client_vcpu'])} client, "
                 f"{fmt_cores(m['server_vcpu'])} server (at {m['rps']:,.0f} req/s) | "
                 f"{fmt_mb(m['client_rss_kb'])} client, {fmt_mb(m['server_rss_kb'])} server | "
                 f"{fmt_delta_us(m['added_p90_us'])} p90, {fmt_delta_us(m['added_p99_us'])} p99 | above |")
    L.append("")
    L.append("Differences in setup, stated plainly: Istio measures on Kubernetes nodes with a real network "
             "between pods (client and server on different nodes in the latency tests), iptables capture in "
             "each pod, and its default telemetry on (Istio's metrics filters, which meshproxy does not "
             "implement yet); here everything is one 2-CPU VM, loopback, no capture, no telemetry beyond the "
             "rows that add it. Istio's vCPU is per sidecar at 1000 req/s, like ours; its memory is the "
             "container's working set with a mesh-sized configuration (many services), ours the RSS of a "
             "sidecar that knows two services. Istio's load generator is fortio, which measures latency from "
             "the actual send (the \"uncorrected\" figures above are that); ours is corrected. Linkerd's figures "
             "are maximum proxy memory over a whole benchmark of a multi-service app at up to 2000 req/s, "
             "with HTTP and gRPC. None of them ran on this machine, so only orders of magnitude compare.")
    L.append("")
    L.append("<details><summary>Raw per-run data (input of <code>bench/mesh_report.py</code>)</summary>")
    L.append("")
    L.append("```")
    with open(raw) as f:
        L.extend(line.rstrip("\n") for line in f)
    L.append("```")
    L.append("</details>")
    L.append("")
    L.append(END)
    replace_section(results, "\n".join(L) + "\n", START, END)


def verdicts(fixed, sat, conns, rate):
    out = []

    def met(ok):
        return "met" if ok else "**NOT met**"

    for c in conns:
        m = fixed[c].get("meshproxy")
        if not m:
            continue
        scale = 1000 / m["rps"] if m["rps"] else None
        worst = max(m["client_vcpu"] or 0, m["server_vcpu"] or 0) * (scale or 1)
        rss = max(m["client_rss_kb"] or 0, m["server_rss_kb"] or 0) / 1024
        out.append(f"- -c{c}: ≤ 0.02 vCPU per sidecar per 1000 req/s: {met(worst <= 0.02)} (worst sidecar "
                   f"{worst:.3f}); ≤ 15 MB per sidecar: {met(rss <= 15)} (largest {rss:.1f} MiB RSS); "
                   f"added p99 ≤ 0.15 ms at {rate} req/s: "
                   f"{met(m['added_p99_us'] is not None and m['added_p99_us'] <= 150)} ({fmt_delta_us(m['added_p99_us'])}).")
        s, n = sat[c].get("meshproxy"), sat[c].get("nginx")
        if s and n and s["rps_per_core"] and n["rps_per_core"]:
            r = s["rps_per_core"] / n["rps_per_core"]
            out.append(f"- -c{c}: saturation req/s per sidecar core ≥ 1.2× nginx: {met(r >= 1.2)} ({r:.2f}×).")
    return out


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))
    if not {"--raw", "--meta", "--results"} <= args.keys():
        print(__doc__, file=sys.stderr)
        return 2
    write(args["--raw"], args["--meta"], args["--results"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
