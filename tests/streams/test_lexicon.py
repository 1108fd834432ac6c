"""AI relevance, assets touched, and event vs coverage on realistic headlines."""

import pytest

from streams.app import DEFAULT_SECTORS
from streams.lexicon import Lexicon, LexiconConfig


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(LexiconConfig(), DEFAULT_SECTORS)


def test_deepseek_app_store_story_is_an_ai_event(lexicon):
    c = lexicon.classify(
        "DeepSeek's AI assistant overtakes ChatGPT as top free app on US App Store",
        "The Chinese start-up's R1 reasoning model, trained at a fraction of US rivals' "
        "cost, has investors questioning AI capex plans.")
    assert c.kind == "event"
    assert c.ai_score >= 0.9
    assert {"DeepSeek", "ChatGPT"} <= set(c.entities)
    assert {"FET", "RENDER", "TAO", "WLD"} <= set(c.assets)


def test_distillation_story_reporting_liquidations_is_coverage(lexicon):
    c = lexicon.classify(
        "White House AI czar David Sacks says 'substantial evidence' DeepSeek distilled OpenAI models",
        "The remarks came a day after crypto liquidations jumped more than 850% and about $1B "
        "of leveraged positions were wiped out as bitcoin fell below $100,000.")
    assert c.kind == "coverage"
    assert c.ai_score >= 0.9
    assert "BTC" in c.assets


def test_unrelated_story_is_other(lexicon):
    c = lexicon.classify("Spot bitcoin ETFs log $300M of inflows ahead of Fed meeting",
                         "Flows into US-listed funds rose for a third day.")
    assert c.kind == "other"
    assert c.ai_score < 0.5
    assert c.assets == ["BTC"]


def test_lexicon_is_configurable(lexicon):
    cfg = LexiconConfig(entities={"Acme Robotics": 0.9}, terms={})
    c = Lexicon(cfg, {}).classify("Acme Robotics unveils humanoid")
    assert c.entities == ["Acme Robotics"] and c.kind == "event"
    assert lexicon.classify("Acme Robotics unveils humanoid").kind == "other"
