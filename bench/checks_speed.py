"""Checker speed: MB/s of the privacy scan and of the full check over a ≥ 20 MB corpus,
and p95 latency of the full check of one ~300-character post, in process.

The corpus repeats the annotated posts of bench/data/checks_fi.jsonl, shuffled, with
a serial number per post so the per-process caches do not see identical texts only.
Presidio's pattern-only comparison is not run here yet.

Run: .venv/bin/python bench/checks_speed.py [MEGABYTES]
"""

import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from somevahti.checks import CheckContext, check  # noqa: E402
from somevahti.checks.privacy import scan  # noqa: E402
from somevahti.checks.text import Document  # noqa: E402

DATA = Path(__file__).parent / "data" / "checks_fi.jsonl"


def corpus(megabytes: float) -> list[str]:
    texts = [json.loads(line)["text"] for line in DATA.open(encoding="utf-8")]
    rng = random.Random(4)
    posts: list[str] = []
    size = 0
    n = 0
    while size < megabytes * 1_000_000:
        # Posts of two to four items, like a real post or a comment thread.
        post = " ".join(rng.choice(texts) for _ in range(rng.randint(2, 4))) + f" #{n}"
        posts.append(post)
        size += len(post.encode())
        n += 1
    return posts


def main() -> None:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    posts = corpus(megabytes)
    total_mb = sum(len(p.encode()) for p in posts) / 1_000_000
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
    print(f"corpus: {len(posts)} posts, {total_mb:.1f} MB")

    ctx = CheckContext.build(categories={"privacy"})
    started = time.perf_counter()
    hits = 0
    for post in posts:
        hits += sum(1 for _ in scan(Document(post), ctx))
    elapsed = time.perf_counter() - started
    print(f"privacy scan (patterns + checksums): {total_mb / elapsed:7.1f} MB/s ({hits} hits)")

    started = time.perf_counter()
    findings = sum(len(check(post, ctx)) for post in posts)
    elapsed = time.perf_counter() - started
    print(f"privacy incl. names (Voikko):        {total_mb / elapsed:7.1f} MB/s ({findings})")

    full = CheckContext.build(channel="x", media=[{"type": "image", "alt": "Kuva"}])
    started = time.perf_counter()
    findings = sum(len(check(post, full)) for post in posts)
    elapsed = time.perf_counter() - started
    print(f"full check (all rules):              {total_mb / elapsed:7.1f} MB/s ({findings})")

    # Latency of single ~300-character posts, warm process.
    rng = random.Random(7)
    sample = [p[:300] for p in rng.sample(posts, 3000)]
    times = []
    for post in sample:
        t0 = time.perf_counter()
        check(post, full)
        times.append((time.perf_counter() - t0) * 1000)
    p95 = statistics.quantiles(times, n=100)[94]
    print(
        f"full check of a 300-char post: median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms"
    )


if __name__ == "__main__":
    main()
