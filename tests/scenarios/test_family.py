"""Scenario family: every named configuration generates, its labels keep the rules the scorer
relies on, and its files look like the truth says (cascades plain to see, gaps empty,
sampled feeds sampled, prices against the liquidated side, heavy-tailed sizes)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqwatch.scenarios import SCENARIOS, ScenarioFiles, build_spec, generate
from liqwatch.scenarios.cascades import AI_TOKENS, KINDS, MAJORS, X_MAX, X_MIN
from liqwatch.scenarios.family import VARIANTS
from liqwatch.scenarios.stories import (CAUSE_FRAMES, COVERAGE, EVENTS, NO_CAUSE, OTHERS,
                                        Fields, fill)
from streams.lexicon import Lexicon, LexiconConfig
from tests.scenarios.files import read_events, timed_generate, unique_events

DAYS = 2  # named scenarios here: a day and a half after the warm-up holds 1-3 cascades
SEED = 11
LEAD = pd.Timedelta(hours=6)
TRUTH_KEYS = ["scenario", "seed", "start", "end", "assets", "sectors", "counts", "feeds",
              "cascades", "whales", "news", "gaps"]
CASCADE_KEYS = ["id", "kind", "scope", "key", "assets", "liquidated_side", "onset", "peak", "end",
                "notional_usd", "events", "trigger_news_id", "notional_x"]
NEWS_KEYS = ["id", "ai", "kind", "triggers", "covers", "published_at"]
LEXICON = Lexicon(LexiconConfig(), {"ai": list(AI_TOKENS)})


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScenarioFiles]:
    return {name: generate(tmp_path_factory.mktemp(name), name, seed=SEED, days=DAYS)
            for name in VARIANTS}


@pytest.fixture(scope="module")
def family4(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScenarioFiles, float]:
    """The default family scenario, 4 days, and how long it took to generate."""
    return timed_generate(tmp_path_factory.mktemp("family4"), "family", seed=7)


@pytest.fixture(scope="module")
def every(named: dict[str, ScenarioFiles],
          family4: tuple[ScenarioFiles, float]) -> dict[str, ScenarioFiles]:
    return {**named, "family-4d": family4[0]}


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def stories_of(files: ScenarioFiles) -> dict[str, dict]:
    return {s["id"]: s for s in pd.read_json(files.news, lines=True, dtype=False)
            .to_dict("records")}


def test_named_scenarios_are_registered() -> None:
    assert set(VARIANTS) <= set(SCENARIOS)
    assert {"family", "quiet", "ai-news", "majors", "market", "squeeze", "sampled",
            "gaps"} <= set(VARIANTS)


def test_same_seed_same_bytes_other_seed_differs(named: dict[str, ScenarioFiles],
                                                 tmp_path: Path) -> None:
    files = named["family"]
    again = generate(tmp_path / "again", "family", seed=SEED, days=DAYS)
    other = generate(tmp_path / "other", "family", seed=SEED + 1, days=DAYS)
    for name in ("liquidations", "trades", "news", "truth_path"):
        a, b, c = (getattr(f, name) for f in (files, again, other))
        assert a.read_bytes() == b.read_bytes(), name
        assert a.read_bytes() != c.read_bytes(), name


def test_truth_contract(every: dict[str, ScenarioFiles]) -> None:
    for name, files in every.items():
        truth = files.truth
        assert list(truth) == TRUTH_KEYS, name
        assert truth["scenario"] == name.removesuffix("-4d") and truth["seed"] in (SEED, 7)
        assert set(truth["assets"]) == set(MAJORS) | set(AI_TOKENS)
        assert set(truth["feeds"]) == {"binance-futures", "bybit", "okex-swap"}
        assert set(truth["feeds"].values()) <= {"sampled", "complete"}
        for c in truth["cascades"]:
            assert list(c) == CASCADE_KEYS and c["kind"] in KINDS, name
            assert X_MIN <= c["notional_x"] <= X_MAX
        for n in truth["news"]:
            assert list(n) == NEWS_KEYS and n["kind"] in ("event", "coverage", "other"), name
        for g in truth["gaps"]:
            assert list(g) == ["exchange", "from", "to"] and g["from"] < g["to"]
            assert timedelta(minutes=5) <= ts(g["to"]) - ts(g["from"]) <= timedelta(minutes=61)


def test_cascade_timing(every: dict[str, ScenarioFiles]) -> None:
    for name, files in every.items():
        truth = files.truth
        start, end = ts(truth["start"]), ts(truth["end"])
        cascades = truth["cascades"]
        for c in cascades:
            assert ts(c["onset"]) >= start + pd.Timedelta(hours=12), name
            assert ts(c["end"]) <= end - pd.Timedelta(hours=2), name
            assert c["onset"] <= c["peak"] <= c["end"], name
        for a, b in zip(cascades, cascades[1:]):
            assert ts(b["onset"]) - ts(a["onset"]) >= pd.Timedelta(hours=6), name
            assert ts(a["end"]) < ts(b["onset"]), name


def test_cascade_kinds(every: dict[str, ScenarioFiles]) -> None:
    for name, files in every.items():
        allowed = VARIANTS.get(name, ("", {}))[1].get("kinds", KINDS)
        for c in files.truth["cascades"]:
            assets, kind = c["assets"], c["kind"]
            assert kind in allowed, name
            if kind == "ai":
                assert (c["scope"], c["key"]) == ("sector", "ai")
                assert 2 <= len(assets) <= 4 and set(assets) <= set(AI_TOKENS)
            elif kind == "major":
                assert c["scope"] == "asset" and c["key"] in MAJORS and assets == [c["key"]]
            elif kind == "market":
                assert (c["scope"], c["key"]) == ("market", "market") and len(assets) >= 4
                assert set(assets) & set(MAJORS) and set(assets) & set(AI_TOKENS)
            else:
                assert c["liquidated_side"] == "short"
                if c["scope"] == "asset":
                    assert assets == [c["key"]]
                else:
                    assert (c["key"], set(assets) <= set(AI_TOKENS)) == ("ai", True)
    assert not every["quiet"].truth["cascades"]
    kinds = {c["kind"] for f in every.values() for c in f.truth["cascades"]}
    assert kinds == set(KINDS)


def test_news_labels_follow_the_rules(every: dict[str, ScenarioFiles]) -> None:
    for name, files in every.items():
        truth = files.truth
        cascades = {c["id"]: c for c in truth["cascades"]}
        labels = truth["news"]
        published = {n["id"]: ts(n["published_at"]) for n in labels}
        assert published == {i: ts(s["published_at"]) for i, s in stories_of(files).items()}
        assert list(published.values()) == sorted(published.values())
        for n in labels:
            at = published[n["id"]]
            if n["triggers"]:
                c = cascades[n["triggers"]]
                assert (n["kind"], n["ai"], c["trigger_news_id"]) == ("event", True, n["id"])
                lead = ts(c["onset"]) - at
                assert pd.Timedelta(minutes=5) <= lead <= pd.Timedelta(hours=3), name
            if n["covers"]:
                c = cascades[n["covers"]]
                assert n["kind"] == "coverage" and at > ts(c["end"]), name
                assert pd.Timedelta(hours=1) <= at - ts(c["onset"]) <= pd.Timedelta(hours=24)
            if n["kind"] == "other":
                assert not n["ai"] and not n["triggers"] and not n["covers"]
        for c in cascades.values():
            onset = ts(c["onset"])
            in_lead = [n["id"] for n in labels
                       if n["ai"] and onset - LEAD <= published[n["id"]] < onset]
            assert in_lead == ([c["trigger_news_id"]] if c["trigger_news_id"] else []), name
            during = [n["id"] for n in labels if n["ai"] and n["covers"] != c["id"]
                      and onset <= published[n["id"]] <= ts(c["end"])]
            assert not during, name
        for n in labels:  # AI stories with no market reaction: 6 h 10 min clear of onsets
            if n["ai"] and n["kind"] == "event" and not n["triggers"]:
                for c in cascades.values():
                    gap = ts(c["onset"]) - published[n["id"]]
                    assert gap >= LEAD + pd.Timedelta(minutes=10) or \
                        published[n["id"]] > ts(c["end"]), name


def test_news_mix(every: dict[str, ScenarioFiles]) -> None:
    family = every["family-4d"].truth
    kinds = {(n["kind"], n["ai"]) for n in family["news"]}
    assert kinds >= {("event", True), ("coverage", True), ("coverage", False), ("other", False)}
    quiet_ai = [n for n in family["news"] if n["kind"] == "event" and not n["triggers"]]
    assert 2 <= len(quiet_ai) <= 4
    ai_news = every["ai-news"].truth
    assert all(c["trigger_news_id"] for c in ai_news["cascades"])
    assert {n["covers"] for n in ai_news["news"] if n["covers"]} == {
        c["id"] for c in ai_news["cascades"]}
    assert len([n for n in every["quiet"].truth["news"] if n["ai"]]) == 4


def test_stories_read_as_labelled(every: dict[str, ScenarioFiles]) -> None:
    """The project's lexicon agrees with each label: AI or not, event, coverage or other."""
    for name, files in every.items():
        stories = stories_of(files)
        for n in files.truth["news"]:
            s = stories[n["id"]]
            verdict = LEXICON.classify(s["title"], s["body"])
            assert (verdict.ai_score >= 0.5, verdict.kind) == (n["ai"], n["kind"]), s["title"]
            if n["kind"] == "coverage":
                assert "$" in s["title"] + s["body"] and "%" in s["title"] + s["body"]


@pytest.mark.parametrize("seed", range(8))
def test_every_template_reads_as_its_kind(seed: int) -> None:
    """Not just the stories drawn: every template, with several fillings."""
    rng = np.random.default_rng(seed)
    for t in EVENTS:
        verdict = LEXICON.classify(*fill(t, Fields(rng)))
        assert verdict.ai_score >= 0.5 and verdict.kind == "event", t.name
    for t in OTHERS:
        verdict = LEXICON.classify(*fill(t, Fields(rng)))
        assert verdict.ai_score < 0.5 and verdict.kind == "other", t.name
    given = {"names": "bitcoin and ether", "lead": "bitcoin", "s": "", "group": "crypto",
             "total": "$12 million", "move": "3.1%", "minutes": "45", "orders": "2,310",
             "jump_hour": "1,450%", "jump_day": "60%", "weekday": "Friday"}
    for t in (*COVERAGE["long"], *COVERAGE["short"]):
        title, body = fill(t, Fields(rng, given))
        verdict = LEXICON.classify(title, f"{body} {NO_CAUSE[seed % len(NO_CAUSE)]}")
        assert verdict.kind == "coverage" and verdict.ai_score < 0.5, t.name
    for t in EVENTS:  # coverage naming an AI trigger as the cause reads as AI coverage
        if t.cause:
            cause = CAUSE_FRAMES[seed % len(CAUSE_FRAMES)].format(
                cause=t.cause.format_map(Fields(rng)), lead_time="about 20 minutes")
            title, body = fill(COVERAGE["long"][0], Fields(rng, given))
            verdict = LEXICON.classify(title, f"{body} {cause}")
            assert verdict.kind == "coverage" and verdict.ai_score >= 0.5, cause
    assert len({t.title for t in EVENTS}) == len(EVENTS) >= 20


def test_whales_stand_alone(every: dict[str, ScenarioFiles]) -> None:
    assert 2 <= len(every["family-4d"].truth["whales"]) <= 5
    assert len(every["quiet"].truth["whales"]) == 5
    for name, files in every.items():
        liq = unique_events(files.liquidations)
        for w in files.truth["whales"]:
            at = ts(w["ts"])
            for c in files.truth["cascades"]:
                assert at < ts(c["onset"]) - pd.Timedelta(hours=2) or \
                    at > ts(c["end"]) + pd.Timedelta(hours=2), name
            hit = liq[(liq["t"] == at) & (liq["asset"] == w["asset"])]
            assert len(hit) == 1 and abs(hit["usd"].iat[0] - w["notional_usd"]) < 1.0, name
            limit = 5e6 if w["asset"] in MAJORS else 1e6
            assert 1.5e5 <= w["notional_usd"] <= limit * 1.01


def test_gaps_are_empty(every: dict[str, ScenarioFiles]) -> None:
    gaps = every["gaps"].truth["gaps"]
    assert len(gaps) == 3
    assert any(ts(g["from"]) <= ts(c["end"]) and ts(g["to"]) >= ts(c["onset"])
               for g in gaps for c in every["gaps"].truth["cascades"])
    for name, files in every.items():
        if not files.truth["gaps"]:
            continue
        for path in (files.liquidations, files.trades):
            df = read_events(path)
            for g in files.truth["gaps"]:
                mine = df[df["exchange"] == g["exchange"]]
                inside = (mine["t"] >= ts(g["from"])) & (mine["t"] < ts(g["to"]))
                assert not inside.any(), (name, g)
                near = (mine["t"] >= ts(g["from"]) - pd.Timedelta(hours=1)) & \
                    (mine["t"] < ts(g["from"]))
                assert near.any(), (name, g)


def test_sampled_feeds(every: dict[str, ScenarioFiles]) -> None:
    family, sampled = every["family"].truth, every["sampled"].truth
    assert set(sampled["feeds"].values()) == {"sampled"}
    for key in ("news", "whales", "gaps"):  # the same market, only the feeds differ
        assert sampled[key] == family[key], key
    assert [c["onset"] for c in sampled["cascades"]] == [c["onset"] for c in family["cascades"]]
    complete_bursts = 0
    for name, files in every.items():
        liq = unique_events(files.liquidations)
        per_second = liq.groupby(["exchange", "symbol", liq["timestamp"] // 1_000_000]).size()
        for exchange, mode in files.truth["feeds"].items():
            most = per_second.xs(exchange, level=0).max()
            if mode == "sampled":
                assert most == 1, (name, exchange)
            else:
                complete_bursts += most > 1
    assert complete_bursts > 0


def test_cascades_are_unmistakable(every: dict[str, ScenarioFiles]) -> None:
    """In each cascade asset's liquidation count (all exchanges, over any 5 minutes), the
    peak is at least 6 times the asset's normal 5 minutes away from cascades."""
    smallest = X_MAX
    for name, files in every.items():
        liq = unique_events(files.liquidations)
        truth = files.truth
        for c in truth["cascades"]:
            smallest = min(smallest, c["notional_x"])
            for asset in c["assets"]:
                per_minute = liq[liq["asset"] == asset].set_index("t")["usd"].resample("1min")
                counts = per_minute.count().rolling(5).sum()
                away = np.ones(len(counts), dtype=bool)
                for d in truth["cascades"]:
                    if asset in d["assets"]:
                        away &= ~((counts.index >= ts(d["onset"]) - pd.Timedelta(hours=2))
                                  & (counts.index <= ts(d["end"]) + pd.Timedelta(hours=2)))
                during = (counts.index >= ts(c["onset"])) & (counts.index <= ts(c["end"]))
                ratio = counts[during].max() / counts[away].mean()
                assert ratio >= 6.0, (name, c["id"], asset, c["notional_x"], ratio)
    assert smallest < 60  # the check covered small cascades too


def test_prices_move_against_the_liquidated_side(every: dict[str, ScenarioFiles]) -> None:
    for name, files in every.items():
        trades = read_events(files.trades)
        for c in files.truth["cascades"]:
            onset, end = ts(c["onset"]), ts(c["end"])
            for asset in c["assets"]:
                price = trades[trades["asset"] == asset].set_index("t")["price"].astype(float)
                price = price.sort_index()
                before = price[onset - pd.Timedelta(minutes=20):onset].median()
                during = price[onset:end]
                if c["liquidated_side"] == "long":
                    assert during.quantile(0.02) < before * 0.995, (name, c["id"], asset)
                else:
                    assert during.quantile(0.98) > before * 1.005, (name, c["id"], asset)


def test_quiet_background_is_heavy_tailed_and_seasonal(every: dict[str, ScenarioFiles]) -> None:
    liq = unique_events(every["quiet"].liquidations)
    usd = liq["usd"]
    assert 1.8 <= np.log(usd).std() <= 2.4
    top = usd.sort_values().iloc[-len(usd) // 100:].sum() / usd.sum()
    assert 0.3 <= top <= 0.65
    hourly = liq.set_index("t")["usd"].resample("1h").count()
    hour = hourly.index.hour
    assert hourly[(hour >= 13) & (hour < 18)].mean() > 1.3 * hourly[(hour >= 1) & (hour < 6)].mean()


def test_four_day_family(family4: tuple[ScenarioFiles, float]) -> None:
    files, elapsed = family4
    truth = files.truth
    assert elapsed < 15.0
    assert ts(truth["end"]) - ts(truth["start"]) == pd.Timedelta(days=4)
    assert 4 <= len(truth["cascades"]) <= 6
    assert {c["trigger_news_id"] is None for c in truth["cascades"]} == {True, False}
    assert len({c["kind"] for c in truth["cascades"]}) >= 3
    assert truth["counts"]["liquidation_rows"] < 150_000 and truth["counts"]["trade_rows"] < 250_000


def test_options() -> None:
    spec = build_spec("family", seed=3, days=3, kinds="major,squeeze", feeds="complete",
                      cascades=3, whales=1, gaps=0, quiet_stories=0, others=0)
    assert len(spec.cascades) == 3 and {c.kind for c in spec.cascades} <= {"major", "squeeze"}
    assert spec.sampled == () and len(spec.whales) == 1 and not spec.gaps
    assert all(s.kind == "coverage" or s.triggers for s in spec.news)
    assert build_spec("squeeze", seed=3, kinds=("ai",)).cascades[0].kind == "ai"
    for bad in ({"kinds": "ai,nope"}, {"feeds": "partial"}):
        with pytest.raises(ValueError):
            build_spec("family", seed=3, **bad)
