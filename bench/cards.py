"""Quote cards at 1080x1080: warm latency, throughput, cold start and memory, against a browser per card.

Ours (scheduler.render.browser.CardRenderer: one warm headless Chromium and one page per process):
  warm        per card in one process with a started renderer, after a few warm-up cards:
              card_page (template, key) + render (set_content, fit script, screenshot)
  throughput  two worker processes, each with its own renderer started and warmed before the clock;
              N cards split between them; wall time from a start barrier until both are done
  cold        a fresh process's first card: renderer start (Playwright, Chromium launch, page) + render
  memory      RSS of the warm-run worker and its whole process tree (Playwright driver, Chromium's
              browser, renderer, GPU and utility processes), sampled during the warm run
  profile     the same steps as render, timed one by one: card_page, set_content, fit script, screenshot
Baseline, same run:
  a new browser per card: launch Chromium with the same flags, new page, set_content, screenshot, close

Every card shows a different real sentence (labelled quotes from tests/data/quotes/*.json, then
sentences of 80-250 characters from the article texts), so nothing can be served from a cache. Every
stage runs in its own spawned process. Human-readable figures first; the last line is one JSON object.
`--quick` finishes in about 30 s.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing as mp
import os
import random
import re
import statistics
import struct
import sys
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from scheduler.config import get_settings
from scheduler.render import RenderError
from scheduler.render.browser import CHROMIUM_FLAGS, FIT_SCRIPT, CardRenderer, chromium_path
from scheduler.render.cards import SIZES, CardContent, Theme, card_page

ROOT = Path(__file__).resolve().parent.parent
SHARED_ARTICLES = Path("/work/shared/fixtures/articles")
MB = 1024 * 1024
SIZE = SIZES["square"]
TEMPLATE = "quote"
GOAL_WARM_MEDIAN_MS = 120.0
GOAL_CARDS_PER_S = 10.0
WARMUP_CARDS = 5
SITES = ("Example News", "The Daily Ledger", "Northside Gazette", "Harbour Times")
SAMPLE_INTERVAL_S = 0.1
STAGE_TIMEOUT_S = 600


@dataclass(frozen=True)
class Plan:
    warm: int
    throughput: int
    baseline: int
    cold: int
    profile: int
    workers: int


def say(message: str) -> None:
    print(message, flush=True)


# --- the cards -------------------------------------------------------------------------------------------


def article_files() -> list[Path]:
    files = sorted(SHARED_ARTICLES.glob("*.txt")) if SHARED_ARTICLES.is_dir() else []
    files += sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt"))
    files.append(ROOT / "scheduler" / "demo" / "data" / "kardashian-white-house.txt")
    return files


SENTENCE_END = re.compile(r"(?<=[.!?”’\"])\s+(?=[“‘\"A-Z])")


def quote_pool() -> list[CardContent]:
    """Every usable quote once: the labelled quotes with their speakers, then the articles' sentences."""
    labelled: list[tuple[str, str, str]] = []
    sentences: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    names: list[str] = []
    for path in article_files():
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not lines:
            continue
        title = lines[0]
        byline = next((line.split(":", 1)[1].strip() for line in lines[:3] if line.startswith("By:")), "")
        speakers: list[str] = []
        labels = path.with_suffix(".json")
        if labels.is_file():
            for quote in json.loads(labels.read_text(encoding="utf-8"))["quotes"]:
                text, speaker = " ".join(quote["text"].split()).rstrip(","), quote.get("speaker")
                if speaker:
                    speakers.append(speaker)
                if speaker and 80 <= len(text) <= 250 and text not in seen:
                    seen.add(text)
                    labelled.append((text, speaker, title))
        speakers = speakers or ([byline] if byline else [])
        names += speakers
        for paragraph in lines[1:]:
            if paragraph.startswith("By:") or paragraph == title:
                continue
            for number, sentence in enumerate(SENTENCE_END.split(paragraph)):
                sentence = sentence.strip()
                if 80 <= len(sentence) <= 250 and sentence not in seen:
                    seen.add(sentence)
                    speaker = speakers[number % len(speakers)] if speakers else ""
                    sentences.append((sentence, speaker, title))
    fallback = names or ["Staff reporter"]
    rng = random.Random(1080)  # the same cards, in the same order, every run
    rng.shuffle(labelled)
    rng.shuffle(sentences)
    return [
        CardContent(
            title=title,
            quote=text,
            speaker=speaker or fallback[index % len(fallback)],
            site=SITES[index % len(SITES)],
        )
        for index, (text, speaker, title) in enumerate(labelled + sentences)
    ]


class Cards:
    """Hands out cards no other stage of this run has rendered."""

    def __init__(self) -> None:
        self.pool = quote_pool()
        self.used = 0

    def take(self, count: int) -> list[CardContent]:
        cards = []
        for _ in range(count):
            index = self.used
            self.used += 1
            content = self.pool[index % len(self.pool)]
            lap = index // len(self.pool)
            if lap:  # past the pool: the same quote under another article's title and site, still new
                other = self.pool[(index * 7 + lap) % len(self.pool)]
                content = CardContent(
                    title=f"{other.title} ({lap})",
                    quote=content.quote,
                    speaker=content.speaker,
                    site=SITES[(index + lap) % len(SITES)],
                )
            cards.append(content)
        return cards


# --- measuring helpers -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 1)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def png_size(png: bytes) -> tuple[int, int]:
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise RuntimeError("the renderer returned something that is not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def check_png(png: bytes) -> None:
    if png_size(png) != (SIZE.width, SIZE.height):
        raise RuntimeError(f"a card came back {png_size(png)}, not {SIZE.name}")


def role(process: psutil.Process, root_pid: int) -> str:
    """What a process in a worker's tree is: the worker, Playwright's driver, or a Chromium process."""
    if process.pid == root_pid:
        return "worker (python)"
    try:
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    line = " ".join(cmdline)
    if "playwright" in line and ("node" in (cmdline[0] if cmdline else "") or "cli.js" in line):
        return "playwright driver (node)"
    match = re.search(r"--type=([\w-]+)", line)
    if match:
        kind = match[1]
        if kind == "utility":
            sub = re.search(r"--utility-sub-type=[\w.]*?(\w+)\.mojom", line)
            kind = f"utility {sub[1]}" if sub else "utility"
        return f"chromium {kind}"
    if "chrom" in line:
        return "chromium browser"
    return process.name()


class TreeSampler:
    """Peak RSS of process trees, each the sum of a root process and all its descendants."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peak = {pid: 0 for pid in roots}
        self.peak_roles: dict[int, dict[str, list[int]]] = {pid: {} for pid in roots}
        self.peak_total = 0
        self.samples = 0
        self.handles: dict[int, psutil.Process] = {}
        self.roles: dict[int, str] = {}  # read once per process: a cmdline read costs more than the RSS

    def _handle(self, pid: int) -> psutil.Process:
        if pid not in self.handles:
            self.handles[pid] = psutil.Process(pid)
        return self.handles[pid]

    def sample(self) -> None:
        total = 0
        for root_pid in self.roots:
            try:
                root = self._handle(root_pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            tree = 0
            roles: dict[str, list[int]] = {}
            for process in processes:
                with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    rss = process.memory_info().rss
                    tree += rss
                    if process.pid not in self.roles:
                        self.roles[process.pid] = role(process, root_pid)
                    roles.setdefault(self.roles[process.pid], []).append(rss)
            total += tree
            if tree > self.peak[root_pid]:
                self.peak[root_pid] = tree
                self.peak_roles[root_pid] = roles
        self.peak_total = max(self.peak_total, total)
        self.samples += 1

    def tree_pss(self, root_pid: int) -> float | None:
        """Proportional set size of a tree (shared pages split between the processes that share them)."""
        try:
            root = self._handle(root_pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return None
        total = 0
        for process in processes:
            try:
                total += process.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                return None
        return round(total / MB, 1)


def receive(queue: Any, process: Any, what: str, sampler: TreeSampler | None = None) -> dict[str, Any]:
    """The next message from a stage's process, sampling memory while waiting; raise on its failure."""
    deadline = time.monotonic() + STAGE_TIMEOUT_S
    while time.monotonic() < deadline:
        if sampler is not None:
            sampler.sample()
        try:
            message = queue.get(timeout=SAMPLE_INTERVAL_S if sampler is not None else 0.5)
        except Exception:  # queue.Empty
            if not process.is_alive():
                raise RuntimeError(f"{what}: the process exited with {process.exitcode}") from None
            continue
        if "error" in message:
            raise RuntimeError(f"{what} failed:\n{message['error']}")
        return message
    raise RuntimeError(f"{what}: no answer within {STAGE_TIMEOUT_S} s")


# --- the stages, each in its own process -----------------------------------------------------------------


def render_timed(renderer: CardRenderer, templates_dir: Path, content: CardContent) -> float:
    """card_page + render in ms; the PNG is checked afterwards, outside the timing."""
    start = time.perf_counter()
    page = card_page(templates_dir, TEMPLATE, content, Theme(), SIZE)
    card = renderer.render(page)
    elapsed = (time.perf_counter() - start) * 1000
    check_png(card.png)
    return elapsed


def stage(name: str, queue: Any, *args: Any) -> None:
    """A spawned process's entry point: run one stage, and send back any failure instead of hanging."""
    try:
        STAGES[name](queue, *args)
    except BaseException:
        queue.put({"error": traceback.format_exc()})


def _cold(queue: Any, chromium: Path | None, templates_dir: Path, content: CardContent) -> None:
    ready = time.perf_counter()
    renderer = CardRenderer(chromium)
    start = time.perf_counter()
    renderer.start()
    started = time.perf_counter()
    page = card_page(templates_dir, TEMPLATE, content, Theme(), SIZE)
    card = renderer.render(page)
    done = time.perf_counter()
    check_png(card.png)
    queue.put(
        {
            "ready": ready,
            "done": done,
            "start_ms": (started - start) * 1000,
            "first_card_ms": (done - started) * 1000,
            "chromium": renderer._browser.version,  # private, for the report only
        }
    )
    renderer.close()


def _warm(
    queue: Any,
    chromium: Path | None,
    templates_dir: Path,
    warmup: list[CardContent],
    cards: list[CardContent],
    profile: list[CardContent],
) -> None:
    renderer = CardRenderer(chromium)
    renderer.start()
    for content in warmup:
        render_timed(renderer, templates_dir, content)
    queue.put({"pid": os.getpid(), "ready": True})
    times, failures = [], []
    for content in cards:
        try:
            times.append(render_timed(renderer, templates_dir, content))
        except RenderError as error:
            failures.append(str(error))
    queue.put({"times": times, "failures": failures})
    queue.put({"profile": profile_steps(renderer, templates_dir, profile)})
    renderer.close()


def profile_steps(renderer: CardRenderer, templates_dir: Path, cards: list[CardContent]) -> dict[str, Any]:
    """render's steps one by one, as CardRenderer._render does them (its private page and CDP session)."""
    steps: dict[str, list[float]] = {
        "card_page": [],
        "set_content": [],
        "fit_script": [],
        "screenshot": [],
        "png_decode": [],
    }
    page, cdp = renderer._page, renderer._cdp  # private: a benchmark timing the steps
    for content in cards:
        t0 = time.perf_counter()
        card = card_page(templates_dir, TEMPLATE, content, Theme(), SIZE)
        t1 = time.perf_counter()
        page.set_content(card.html, wait_until="load")
        t2 = time.perf_counter()
        result = cdp.send(
            "Runtime.evaluate", {"expression": FIT_SCRIPT, "awaitPromise": True, "returnByValue": True}
        )
        t3 = time.perf_counter()
        shot = cdp.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "clip": {"x": 0, "y": 0, "width": SIZE.width, "height": SIZE.height, "scale": 1},
                "optimizeForSpeed": True,
                "captureBeyondViewport": False,
            },
        )
        t4 = time.perf_counter()
        png = base64.b64decode(shot["data"])
        t5 = time.perf_counter()
        check_png(png)
        if "exceptionDetails" in result:
            raise RuntimeError(f"the fit script failed: {result['exceptionDetails']}")
        for name, (a, b) in zip(steps, ((t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)), strict=True):
            steps[name].append((b - a) * 1000)
    # And the naive screenshot for comparison: Playwright's page.screenshot of the same page.
    plain = []
    for _ in range(min(5, len(cards))):
        t0 = time.perf_counter()
        page.screenshot(type="png")
        plain.append((time.perf_counter() - t0) * 1000)
    return {
        "cards": len(cards),
        **{f"{name}_median_ms": median(values) for name, values in steps.items()},
        **{f"{name}_p95_ms": percentile(values, 0.95) for name, values in steps.items()},
        "playwright_page_screenshot_median_ms": median(plain),
    }


def _throughput(
    queue: Any,
    chromium: Path | None,
    templates_dir: Path,
    warmup: list[CardContent],
    cards: list[CardContent],
    barrier: Any,
) -> None:
    renderer = CardRenderer(chromium)
    renderer.start()
    for content in warmup:
        render_timed(renderer, templates_dir, content)
    queue.put({"pid": os.getpid(), "ready": True})
    barrier.wait(timeout=STAGE_TIMEOUT_S)
    start = time.perf_counter()
    times, failures = [], 0
    for content in cards:
        try:
            times.append(render_timed(renderer, templates_dir, content))
        except RenderError:
            failures += 1
    end = time.perf_counter()
    queue.put({"start": start, "end": end, "times": times, "failures": failures, "cards": len(cards)})
    renderer.close()


def _baseline(queue: Any, chromium: Path, templates_dir: Path, cards: list[CardContent]) -> None:
    """The naive way: a new browser for every card, launched with the same flags."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    times = []
    try:
        for number, content in enumerate(cards):
            start = time.perf_counter()
            html = card_page(templates_dir, TEMPLATE, content, Theme(), SIZE).html
            browser = playwright.chromium.launch(
                executable_path=str(chromium), headless=True, args=list(CHROMIUM_FLAGS)
            )
            page = browser.new_page(
                viewport={"width": SIZE.width, "height": SIZE.height}, device_scale_factor=1
            )
            page.set_content(html, wait_until="load")
            png = page.screenshot(type="png")
            browser.close()
            elapsed = (time.perf_counter() - start) * 1000
            check_png(png)
            if number:  # the first launch reads the binary from disk: a warm-up, not counted
                times.append(elapsed)
    finally:
        playwright.stop()
    queue.put({"times": times})


STAGES = {"cold": _cold, "warm": _warm, "throughput": _throughput, "baseline": _baseline}


# --- the run ---------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, plan: Plan) -> None:
        settings = get_settings()
        self.plan = plan
        self.templates_dir = settings.templates_dir
        self.configured = settings.chromium_path
        self.chromium = chromium_path(settings.chromium_path)
        self.ctx = mp.get_context("spawn")
        self.cards = Cards()

    def process(self, name: str, *args: Any) -> tuple[Any, Any]:
        queue = self.ctx.Queue()
        process = self.ctx.Process(target=stage, args=(name, queue, *args), daemon=True)
        return queue, process

    def finish(self, *processes: Any) -> None:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()

    def cold(self) -> dict[str, Any]:
        runs = []
        for content in self.cards.take(self.plan.cold):
            queue, process = self.process("cold", self.configured, self.templates_dir, content)
            launched = time.perf_counter()
            process.start()
            message = receive(queue, process, "cold start")
            self.finish(process)
            message["process_ms"] = (message["done"] - launched) * 1000
            message["interpreter_ms"] = (message["ready"] - launched) * 1000
            runs.append(message)
        return {
            "cold_start_ms": median([r["start_ms"] + r["first_card_ms"] for r in runs]),
            "cold_start_runs_ms": [round(r["start_ms"] + r["first_card_ms"], 1) for r in runs],
            "cold_renderer_start_ms": median([r["start_ms"] for r in runs]),
            "cold_first_card_ms": median([r["first_card_ms"] for r in runs]),
            "cold_process_to_first_card_ms": median([r["process_ms"] for r in runs]),
            "cold_python_spawn_ms": median([r["interpreter_ms"] for r in runs]),
            "chromium_version": runs[0]["chromium"],
        }

    def warm(self) -> dict[str, Any]:
        warmup, cards = self.cards.take(WARMUP_CARDS), self.cards.take(self.plan.warm)
        profile = self.cards.take(self.plan.profile)
        queue, process = self.process("warm", self.configured, self.templates_dir, warmup, cards, profile)
        process.start()
        ready = receive(queue, process, "warm run: start")
        sampler = TreeSampler([ready["pid"]])
        sampler.sample()
        result = receive(queue, process, "warm run", sampler)
        pss = sampler.tree_pss(ready["pid"])
        profile_result = receive(queue, process, "profile")["profile"]
        self.finish(process)
        times = result["times"]
        roles = sampler.peak_roles[ready["pid"]]
        return {
            "warm_cards": len(times),
            "warm_failures": len(result["failures"]),
            "warm_failure_first": result["failures"][0] if result["failures"] else None,
            "warm_median_ms": median(times),
            "warm_p95_ms": percentile(times, 0.95),
            "warm_p99_ms": percentile(times, 0.99),
            "warm_min_ms": round(min(times), 1) if times else None,
            "warm_max_ms": round(max(times), 1) if times else None,
            "warm_mean_ms": round(statistics.fmean(times), 1) if times else None,
            "peak_rss_mb": round(sampler.peak[ready["pid"]] / MB, 1),
            "peak_rss_by_process_mb": {
                name: round(sum(values) / MB, 1) for name, values in sorted(roles.items())
            },
            "peak_rss_process_counts": {name: len(values) for name, values in sorted(roles.items())},
            "peak_rss_processes": sum(len(values) for values in roles.values()),
            "pss_after_warm_mb": pss,
            "rss_samples": sampler.samples,
            "profile": profile_result,
        }

    def throughput(self) -> dict[str, Any]:
        workers = self.plan.workers
        cards = self.cards.take(self.plan.throughput)
        barrier = self.ctx.Barrier(workers + 1)
        stages = []
        for index in range(workers):
            warmup = self.cards.take(3)
            queue, process = self.process(
                "throughput", self.configured, self.templates_dir, warmup, cards[index::workers], barrier
            )
            process.start()
            stages.append((queue, process))
        pids = [receive(queue, process, "throughput: start")["pid"] for queue, process in stages]
        sampler = TreeSampler(pids)
        sampler.sample()
        barrier.wait(timeout=STAGE_TIMEOUT_S)
        results = [receive(queue, process, "throughput", sampler) for queue, process in stages]
        self.finish(*(process for _, process in stages))
        wall = max(r["end"] for r in results) - min(r["start"] for r in results)
        done = sum(len(r["times"]) for r in results)
        times = [t for r in results for t in r["times"]]
        return {
            "cards_per_s": round(done / wall, 2),
            "throughput_cards": done,
            "throughput_failures": sum(r["failures"] for r in results),
            "throughput_wall_s": round(wall, 2),
            "throughput_workers": workers,
            "throughput_card_median_ms": median(times),
            "throughput_card_p95_ms": percentile(times, 0.95),
            "throughput_worker_wall_s": [round(r["end"] - r["start"], 2) for r in results],
            "peak_rss_mb_per_worker_tree": [round(sampler.peak[pid] / MB, 1) for pid in pids],
            "peak_rss_mb_all_workers": round(sampler.peak_total / MB, 1),
        }

    def baseline(self) -> dict[str, Any]:
        cards = self.cards.take(self.plan.baseline + 1)
        queue, process = self.process("baseline", self.chromium, self.templates_dir, cards)
        process.start()
        times = receive(queue, process, "baseline")["times"]
        self.finish(process)
        return {
            "baseline_cards": len(times),
            "baseline_median_ms": median(times),
            "baseline_p95_ms": percentile(times, 0.95),
            "baseline_min_ms": round(min(times), 1),
        }


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Plan]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small figures: the whole run in about 30 s")
    parser.add_argument("--warm", type=int, help="cards timed in the warm run (default 200; quick 30)")
    parser.add_argument("--throughput", type=int, help="cards split between workers (default 300; quick 40)")
    parser.add_argument("--baseline", type=int, help="cards with a browser each (default 10; quick 3)")
    parser.add_argument("--cold", type=int, help="fresh processes for the cold start (default 3; quick 1)")
    parser.add_argument("--profile", type=int, help="cards timed step by step (default 50; quick 15)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for throughput (default 2)")
    args = parser.parse_args(argv)

    def pick(value: int | None, default: int, quick_default: int) -> int:
        return value if value is not None else (quick_default if args.quick else default)

    plan = Plan(
        warm=pick(args.warm, 200, 30),
        throughput=pick(args.throughput, 300, 40),
        baseline=pick(args.baseline, 10, 3),
        cold=pick(args.cold, 3, 1),
        profile=pick(args.profile, 50, 15),
        workers=args.workers,
    )
    if min(plan.warm, plan.throughput, plan.baseline, plan.cold, plan.profile, plan.workers) < 1:
        parser.error("every count needs at least 1")
    return args, plan


def fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args, plan = parse_args(argv)
    bench = Bench(plan)
    load = os.getloadavg()[0]
    say(
        f"{TEMPLATE} cards at {SIZE.name}, {len(bench.cards.pool)} distinct quotes; "
        f"Chromium {bench.chromium}; {os.cpu_count()} CPUs, load average {load:.2f}"
    )
    say(
        f"plan: {plan.cold} cold start(s), {plan.warm} warm cards (after {WARMUP_CARDS} warm-up), "
        f"{plan.profile} profiled, {plan.throughput} cards on {plan.workers} workers, "
        f"{plan.baseline} baseline"
    )
    summary: dict[str, Any] = {
        "quick": args.quick,
        "cpu_count": os.cpu_count(),
        "loadavg_1m_start": round(load, 2),
    }

    summary.update(bench.cold())
    say(
        f"\ncold start: {fmt(summary['cold_start_ms'], ' ms')} (renderer start "
        f"{fmt(summary['cold_renderer_start_ms'], ' ms')} + first card "
        f"{fmt(summary['cold_first_card_ms'], ' ms')}); "
        f"from spawning the process: {fmt(summary['cold_process_to_first_card_ms'], ' ms')}; "
        f"runs {summary['cold_start_runs_ms']}; Chromium {summary['chromium_version']}"
    )

    warm = bench.warm()
    profile = warm.pop("profile")
    summary.update(warm)
    say(
        f"warm, one process: median {fmt(warm['warm_median_ms'])} ms, p95 {fmt(warm['warm_p95_ms'])}, "
        f"p99 {fmt(warm['warm_p99_ms'])}, min {fmt(warm['warm_min_ms'])}, max {fmt(warm['warm_max_ms'])} "
        f"over {warm['warm_cards']} cards ({warm['warm_failures']} failed)"
    )
    if warm["warm_failure_first"]:
        say(f"  first failure: {warm['warm_failure_first']}")
    say(
        f"memory, warm worker's process tree ({warm['peak_rss_processes']} processes, "
        f"{warm['rss_samples']} samples): peak RSS {warm['peak_rss_mb']:.1f} MB "
        f"(a sum of RSS counts shared pages once per process; PSS after the run "
        f"{fmt(warm['pss_after_warm_mb'])} MB)"
    )
    counts = warm["peak_rss_process_counts"]
    for name, mb in sorted(warm["peak_rss_by_process_mb"].items(), key=lambda item: -item[1]):
        say(f"  {name:<36}{counts[name]:>3} x {mb:>8.1f} MB")
    say(f"profile, {profile['cards']} cards, median (p95) ms per step:")
    for step in ("card_page", "set_content", "fit_script", "screenshot", "png_decode"):
        say(f"  {step:<14}{fmt(profile[f'{step}_median_ms']):>8} ({fmt(profile[f'{step}_p95_ms'])})")
    say(f"  (Playwright's page.screenshot instead: {fmt(profile['playwright_page_screenshot_median_ms'])})")
    summary.update({f"profile_{key}": value for key, value in profile.items()})

    summary.update(bench.throughput())
    say(
        f"throughput, {summary['throughput_workers']} workers: {summary['cards_per_s']:.1f} cards/s "
        f"({summary['throughput_cards']} cards in {summary['throughput_wall_s']:.2f} s; per card median "
        f"{fmt(summary['throughput_card_median_ms'])} ms, p95 {fmt(summary['throughput_card_p95_ms'])}); "
        f"peak RSS per worker tree {summary['peak_rss_mb_per_worker_tree']} MB, "
        f"all {summary['peak_rss_mb_all_workers']:.1f} MB"
    )

    summary.update(bench.baseline())
    say(
        f"baseline, a browser per card: median {fmt(summary['baseline_median_ms'])} ms, "
        f"p95 {fmt(summary['baseline_p95_ms'])} over {summary['baseline_cards']} cards"
    )

    warm_median, cards_per_s = summary["warm_median_ms"], summary["cards_per_s"]
    summary["speedup_vs_baseline"] = (
        round(summary["baseline_median_ms"] / warm_median, 2) if warm_median else None
    )
    summary["goal_warm_median_ms"] = GOAL_WARM_MEDIAN_MS
    summary["goal_cards_per_s"] = GOAL_CARDS_PER_S
    summary["meets_warm_goal"] = warm_median is not None and warm_median < GOAL_WARM_MEDIAN_MS
    summary["meets_throughput_goal"] = cards_per_s >= GOAL_CARDS_PER_S
    summary["failures"] = summary["warm_failures"] + summary["throughput_failures"]
    summary["wall_seconds"] = round(time.perf_counter() - started, 1)

    say(
        f"\nwarm median {fmt(warm_median)} ms: "
        f"{'meets' if summary['meets_warm_goal'] else 'MISSES'} the goal of under "
        f"{GOAL_WARM_MEDIAN_MS:.0f} ms; "
        f"{cards_per_s:.1f} cards/s: "
        f"{'meets' if summary['meets_throughput_goal'] else 'MISSES'} the goal of {GOAL_CARDS_PER_S:.0f}/s; "
        f"{summary['speedup_vs_baseline']}x faster than a browser per card; "
        f"wall time {summary['wall_seconds']:.1f} s"
    )
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0 if summary["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
