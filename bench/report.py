#!/usr/bin/env python3
"""bench/run's helper: parses wrk output into JSON lines, and writes the report (Markdown) and
its plot (SVG) for one backend. Standard library only."""
import json
import statistics
import re
import sys
from datetime import datetime, timezone

SCENARIOS = [
    ("bare", "bare route: no auth, no database (the limit)"),
    ("primary_read", "primary-key read through the pool, no auth (the database limit)"),
    ("find_one", "authenticated GET /api/articles/:documentId (read-only token)"),
    ("find_one_limited", "the same with a token that has an IP allowlist and a rate limit"),
    ("graphql_find_one", "the same document through POST /graphql: article(documentId) with every field"),
    ("find_10", "authenticated GET /api/articles?pagination[pageSize]=10&sort=views:desc"),
    ("find_10_filtered", "the same with filters[views][$gte]=9000"),
    ("create", "authenticated POST /api/articles (writes)"),
]
COLOURS = ["#888888", "#1f77b4", "#d62728", "#e377c2", "#17becf", "#2ca02c", "#9467bd", "#ff7f0e"]


def duration_ms(text):
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(name, conns):
    text = sys.stdin.read()
    row = {"scenario": name, "conns": int(conns), "rps": 0.0, "p50_ms": None, "p99_ms": None,
           "non2xx": 0, "errors": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        row["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M):
            row[key] = duration_ms(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text):
        row["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        row["errors"] = sum(int(g) for g in m.groups())
    if row["rps"] == 0:
        row["raw"] = text[-500:]
    print(json.dumps(row))


def fmt_ms(value):
    if value is None:
        return "–"
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.2f} ms"


def svg_plot(rows, conns, title_suffix):
    width, height, margin = 980, 380, 60
    panel = (width - 3 * margin) / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']

    def panel_svg(x0, key, label):
        values = [r[key] for r in rows if r.get(key)]
        top = max(values) * 1.1 if values else 1
        plot_h = height - 2 * margin - 40
        out.append(f'<text x="{x0 + panel / 2}" y="{margin - 20}" text-anchor="middle" font-size="14">'
                   f'{label} {title_suffix}</text>')
        out.append(f'<line x1="{x0}" y1="{margin + plot_h}" x2="{x0 + panel}" y2="{margin + plot_h}" stroke="black"/>')
        out.append(f'<line x1="{x0}" y1="{margin}" x2="{x0}" y2="{margin + plot_h}" stroke="black"/>')
        for i in range(5):
            v = top * i / 4
            y = margin + plot_h - plot_h * i / 4
            out.append(f'<text x="{x0 - 5}" y="{y + 4}" text-anchor="end">{v:,.0f}</text>')
            out.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + panel}" y2="{y}" stroke="#eee"/>')
        xs = {c: x0 + panel * (i + 0.5) / len(conns) for i, c in enumerate(conns)}
        for c, x in xs.items():
            out.append(f'<text x="{x}" y="{margin + plot_h + 16}" text-anchor="middle">{c}</text>')
        out.append(f'<text x="{x0 + panel / 2}" y="{margin + plot_h + 32}" text-anchor="middle">connections</text>')
        for (name, _), colour in zip(SCENARIOS, COLOURS):
            points = [(xs[r["conns"]], margin + plot_h - plot_h * (r[key] or 0) / top)
                      for r in rows if r["scenario"] == name and r["conns"] in xs and r.get(key) is not None]
            if points:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
                for x, y in points:
                    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')

    panel_svg(margin, "rps", "requests/s")
    panel_svg(2 * margin + panel, "p99_ms", "p99 latency (ms)")
    for i, ((name, _), colour) in enumerate(zip(SCENARIOS, COLOURS)):
        x = margin + i * 150
        out.append(f'<rect x="{x}" y="{height - 18}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{height - 8}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out)


def strapi_ratios(by, strapi):
    """Vellum's throughput and peak RSS over Strapi's, from Strapi's bench.sh table."""
    peer = {}
    for line in strapi.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 11 and cells[0] in ("one", "list") and cells[1].isdigit():
            peer[(cells[0], int(cells[1]))] = (float(cells[3]), cells[7], float(cells[10]))
    pairs = [("find_one", "one", "findOne (one article)"), ("find_10", "list", "list of 10")]
    lines = ["| request | conns | Vellum req/s | Strapi req/s | ratio | Vellum p99 | Strapi p99 |",
             "|---|---|---|---|---|---|---|"]
    for ours, theirs, label in pairs:
        for (kind, conns), (rps, p99, _) in sorted(peer.items()):
            row = by.get((ours, conns))
            if kind == theirs and row and rps:
                lines.append(f"| {label} | {conns} | {row['rps']:,.0f} | {rps:,.0f} | "
                             f"{row['rps'] / rps:,.0f}× | {fmt_ms(row['p99_ms'])} | {p99} |")
    peaks = [rss for (_, _, rss) in peer.values()]
    if peaks:
        lines += ["", f"Strapi's peak RSS in its run: {max(peaks):.0f} MiB (Vellum's is in the goals above)."]
    return lines if len(lines) > 2 else []


def report(backend, results_path, scale_path, prefix, strapi_path):
    rows, metrics = [], {}
    with open(results_path) as results:
        for line in results:
            item = json.loads(line)
            if "metric" in item:
                metrics[item["metric"]] = item["value"]
            else:
                rows.append(item)
    # Alternating rounds of a pair (`pair_<a>`, `pair_<b>`, …) are kept apart, in order.
    pairs = {}
    for r in rows:
        if r["scenario"].startswith("pair_"):
            pairs.setdefault((r["scenario"][5:], r["conns"]), []).append(r)
    rows = [r for r in rows if not r["scenario"].startswith("pair_")]
    conns = sorted({r["conns"] for r in rows})
    by = {(r["scenario"], r["conns"]): r for r in rows}
    lines = [f"# Vellum benchmark, {backend}",
             "",
             f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, made by `bench/run` "
             "(wrk on loopback, release build, 10 000 seeded articles). Every figure below comes from "
             "this one run, so the ratios hold even though this 2-core machine is shared and noisy.",
             "",
             f"![throughput and p99 latency against connections]({prefix.split('/')[-1]}.svg)",
             "",
             "| scenario | conns | req/s | ratio to limit | p50 | p99 | non-2xx | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for name, _ in SCENARIOS:
        for c in conns:
            r = by.get((name, c))
            if not r:
                continue
            bare = by.get(("bare", c), {}).get("rps") or 0
            ratio = f"{r['rps'] / bare:.2f}" if bare else "–"
            lines.append(f"| {name} | {c} | {r['rps']:,.0f} | {ratio} | {fmt_ms(r['p50_ms'])} | "
                         f"{fmt_ms(r['p99_ms'])} | {r['non2xx']} | {r['errors']} |")
    lines += ["", "Scenarios:", ""] + [f"- `{n}`: {d}" for n, d in SCENARIOS]

    def goal(label, ok, value):
        return f"| {label} | {value} | {'met' if ok else 'missed'} |"

    lines += ["", "## Goals", "", "| goal | measured | |", "|---|---|---|"]
    for c in conns:
        one, pk = by.get(("find_one", c)), by.get(("primary_read", c))
        if one and pk and pk["rps"]:
            ratio = one["rps"] / pk["rps"]
            lines.append(goal(f"authenticated findOne ≥ 80 % of the primary-key read ({c} conns)",
                              ratio >= 0.8, f"{ratio:.0%}"))
    for c in conns:
        one, limited = by.get(("find_one", c)), by.get(("find_one_limited", c))
        if one and limited and one["rps"]:
            ratio = limited["rps"] / one["rps"]
            lines.append(goal(f"findOne with IP allowlist and rate limit / without ({c} conns, within noise)",
                              ratio >= 0.95, f"{ratio:.2f}"))
    for c in conns:
        rest, graphql = pairs.get(("find_one", c), []), pairs.get(("graphql_find_one", c), [])
        rounds = [a["rps"] / b["rps"] for a, b in zip(rest, graphql) if b["rps"]]
        if rounds:
            ratio = statistics.median(rounds)
            spread = ", ".join(f"{x:.2f}" for x in rounds)
            lines.append(goal(f"GraphQL article(documentId) costs ≤ 1.5× REST findOne ({c} conns; "
                              f"median of {len(rounds)} alternating rounds: {spread})",
                              ratio <= 1.5, f"{ratio:.2f}×"))
            continue
        one, graphql = by.get(("find_one", c)), by.get(("graphql_find_one", c))
        if one and graphql and graphql["rps"]:
            ratio = one["rps"] / graphql["rps"]
            lines.append(goal(f"GraphQL article(documentId) costs ≤ 1.5× REST findOne ({c} conns)",
                              ratio <= 1.5, f"{ratio:.2f}×"))
    if backend == "sqlite" and (one := by.get(("find_one", 64))) and one["p99_ms"] is not None:
        lines.append(goal("findOne p99 < 10 ms at 64 connections", one["p99_ms"] < 10, fmt_ms(one["p99_ms"])))
    if "idle_rss_kib" in metrics:
        lines.append(goal("idle RSS < 20 MiB", metrics["idle_rss_kib"] < 20 * 1024,
                          f"{metrics['idle_rss_kib'] / 1024:.1f} MiB"))
    if "peak_rss_kib" in metrics:
        lines.append(goal("RSS under load < 40 MiB", metrics["peak_rss_kib"] < 40 * 1024,
                          f"{metrics['peak_rss_kib'] / 1024:.1f} MiB"))
    if "startup_ms" in metrics:
        lines.append(goal("start-up to first answer < 200 ms", metrics["startup_ms"] < 200,
                          f"{metrics['startup_ms']} ms"))
    scale = open(scale_path).read() if scale_path else ""
    if m := re.search(r"1M \S+, ratio ([\d.]+) to 1k", scale):
        ratio = float(m.group(1))
        lines.append(goal("token verification with 1 M tokens within 10 % of 1 k", ratio <= 1.10, f"{ratio:.2f}×"))
    locked = metrics.get("database_locked_in_log")
    lines.append(goal("no `database is locked` in the server log", not locked, "seen" if locked else "none"))
    one, pk = by.get(("find_one", 64)), by.get(("primary_read", 64))
    if backend != "sqlite" and one and pk and one["p99_ms"] is not None:
        lines += ["", f"The p99 goal (< 10 ms at 64 connections) is set for SQLite. Here findOne has p99 "
                  f"{fmt_ms(one['p99_ms'])} at 64 connections, beside {fmt_ms(pk['p99_ms'])} for the "
                  "unauthenticated primary-key read in the same run: each request also waits for "
                  "PostgreSQL's round trips, and the pool checks a connection (one more round trip) "
                  "before handing it out."]
    elif one and pk and one["p99_ms"] is not None and one["p99_ms"] >= 10:
        lines += ["", f"The p99 goal at 64 connections is bounded by the database path itself: the "
                  f"unauthenticated primary-key read has p99 {fmt_ms(pk['p99_ms'])} in the same run, and "
                  f"authenticated findOne runs at {one['rps'] / pk['rps']:.0%} of its throughput. On 2 cores "
                  "shared by wrk (2 threads), the server and the database, 64 requests in flight queue "
                  "for the CPU; lowering this needs a cheaper database path (fewer hops per query), "
                  "not a cheaper authentication."]
    if metrics.get("peak_rss_kib", 0) >= 40 * 1024:
        lines += ["", "Peak RSS is reached at 256 connections: per-connection buffers, the bounded "
                  "blocking threads with their allocator arenas, and SQLite's page caches (held near "
                  "4 MiB for the process by its soft heap limit)."]
    lines += ["", "## Scale", "", "From `cargo bench --bench tokens` and `--bench content` in the same run:", "",
              "```", scale.strip() or "(not run)", "```"]
    try:
        strapi = open(strapi_path).read()
        lines += ["", "## Strapi 5.54 on the same machine", ""] + strapi_ratios(by, strapi) + ["", strapi]
    except OSError:
        pass
    with open(prefix + ".md", "w") as out:
        out.write("\n".join(lines) + "\n")
    with open(prefix + ".svg", "w") as out:
        out.write(svg_plot(rows, conns, f"({backend})"))


if __name__ == "__main__":
    if sys.argv[1] == "parse-wrk":
        parse_wrk(sys.argv[2], sys.argv[3])
    else:
        report(*sys.argv[2:7])
