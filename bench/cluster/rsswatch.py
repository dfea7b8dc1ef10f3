#!/usr/bin/env python3
"""Runs `fanzha graph cluster` on an edge list, samples its resident memory every 0.2 s, and prints the peak while
reading (up to the read time the command reports) and over the whole run.

usage: rsswatch.py FANZHA EDGES OUT
"""
import re
import subprocess
import sys
import time


def main():
    fanzha, edges, out = sys.argv[1:4]
    cmd = [fanzha, "--quiet", "graph", "cluster", "--edges", edges, "--out", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.time()
    samples = []
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                rss_kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        except (OSError, AttributeError):
            rss_kb = 0
        samples.append((time.time() - started, rss_kb))
        time.sleep(0.2)
    output = proc.stdout.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output}")
    read = float(re.search(r"read ([\d.]+) s", output).group(1))
    print(output.strip().splitlines()[-1])
    reading = max((kb for t, kb in samples if t <= read), default=0)
    overall = max((kb for _, kb in samples), default=0)
    print(f"wall {time.time() - started:.1f} s; peak RSS while reading {reading / 1024:.0f} MB, "
          f"overall {overall / 1024:.0f} MB")


if __name__ == "__main__":
    main()
