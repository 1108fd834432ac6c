"""Tardis CSV → canonical records: side meaning, USD value, and bad lines with reasons."""

from connectors.files.tardis import HEADER, BadLine, read_market


def write(tmp_path, lines):
    path = tmp_path / "liq.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def test_sell_liquidation_means_a_long_was_liquidated(tmp_path):
    path = write(tmp_path, [
        "binance-futures,BTCUSDT,1737946800123456,1737946800200000,,sell,97800.5,0.5",
        "bybit,ETHUSDT,1737946801000000,1737946801100000,abc,buy,3020,2",
        "okex-swap,FET-USDT-SWAP,1737946802000000,1737946802100000,7,sell,0.9,1000",
    ])
    recs = list(read_market(path, "liquidations"))
    assert [(r["exchange"], r["asset"], r["liquidated_side"]) for r in recs] == [
        ("binanceusdm", "BTC", "long"), ("bybit", "ETH", "short"), ("okx", "FET", "long")]
    assert recs[0]["ts"] == 1737946800123 and recs[0]["notional_usd"] == 97800.5 * 0.5
    assert recs[0]["is_sampled"] is True and recs[1]["is_sampled"] is False
    again = list(read_market(path, "liquidations"))
    assert [r["event_id"] for r in recs] == [r["event_id"] for r in again]


def test_bad_lines_carry_reason_and_text(tmp_path):
    path = write(tmp_path, [
        "binance-futures,BTCUSDT,notanumber,1,,sell,1,1",
        "binance-futures,BTCUSDT,1737946800123456,1737946800200000,,sell,-5,1",
        "binance-futures,BTCUSDT,1737946800123456",
        "nasdaq,AAPL,1737946800123456,1737946800200000,,sell,5,1",
        "okex-swap,BTC-USD-SWAP,1737946800123456,1737946800200000,,sell,100000,1",
    ])
    bad = list(read_market(path, "liquidations"))
    assert all(isinstance(b, BadLine) for b in bad)
    assert [b.reason for b in bad] == ["bad_number", "bad_field", "bad_columns",
                                       "unknown_exchange", "unsupported_instrument"]
    assert bad[2].raw == "binance-futures,BTCUSDT,1737946800123456"
    assert bad[0].source == "liq.csv:2"
