"""Contract valuation: linear sizes are base, inverse sizes are USD contracts, quanto needs
the settle currency's USD price (hand-computed figures)."""

import pytest

from connectors.instrument import Instrument, UnsupportedInstrument


def test_linear_contract_size_scales_base():
    okx = Instrument("okx", "BTC-USDT-SWAP", "BTC", "USDT", kind="linear", contract_size=0.01)
    qty, usd = okx.value(100_000.0, 25)                 # 25 contracts of 0.01 BTC
    assert qty == pytest.approx(0.25) and usd == pytest.approx(25_000.0)


def test_inverse_contracts_are_usd():
    coinm = Instrument("binancecoinm", "BTCUSD_PERP", "BTC", "USD", kind="inverse",
                       contract_size=100)
    qty, usd = coinm.value(80_000.0, 3)                 # 3 × $100
    assert usd == pytest.approx(300.0) and qty == pytest.approx(300 / 80_000)


def test_quanto_needs_the_settle_price():
    ethusd = Instrument("bitmex", "ETHUSD", "ETH", "USD", kind="quanto",
                        contract_size=1e-6, settle="BTC")
    with pytest.raises(UnsupportedInstrument, match="BTC USD price"):
        ethusd.value(3_000.0, 10)
    qty, usd = ethusd.value(3_000.0, 10, settle_usd=100_000.0)
    # 10 contracts × 3,000 × 0.000001 XBT = 0.03 XBT = $3,000
    assert usd == pytest.approx(3_000.0) and qty == pytest.approx(1.0)


def test_base_quantity_valuation_refuses_contract_sizes():
    inverse = Instrument("okx", "BTC-USD-SWAP", "BTC", "USD", kind="inverse", contract_size=100)
    with pytest.raises(UnsupportedInstrument):
        inverse.notional_usd(100_000.0, 1.0)
    with pytest.raises(UnsupportedInstrument):
        Instrument("x", "Y", "BTC", "USDT", kind="linear", contract_size=0)
